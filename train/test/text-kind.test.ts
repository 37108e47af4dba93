import { describe, expect, it } from 'vitest'
import { errorsByKind } from '../evaluate.ts'
import { textKind } from '../text-kind.ts'

describe('textKind', () => {
  it('names bodies whose text was lost to U+FFFD, CJK bodies, and the rest', () => {
    expect(textKind('\uFFFD\uFFFD\uFFFD\uFFFD ab\uFFFD\uFFFD\n http://book-i.net')).toBe('undecodable')
    expect(textKind('有一隻烏鴉整天就坐在樹上 http://home.kimo.com.tw')).toBe('cjk')
    expect(textKind('안녕하세요 special offer')).toBe('cjk')
    expect(textKind('Dear Mr Mason, with Christmas just round the corner')).toBe('other')
    // one stray replacement character in an English mail is not a lost body
    expect(textKind('caf\uFFFD au lait, see you at nine tomorrow morning')).toBe('other')
    expect(textKind('   ')).toBe('other')
  })
})

describe('errorsByKind', () => {
  it('counts examples, false positives and false negatives per kind', () => {
    const kinds = ['other', 'other', 'cjk', 'undecodable', 'undecodable'] as const
    const logits = [1, 1, 0, 0, 0].map((p) => (p === 1 ? [0, 2] : [2, 0]))
    expect(errorsByKind(kinds, [0, 1, 1, 1, 0], logits)).toEqual({
      undecodable: { n: 2, fp: 0, fn: 1 },
      cjk: { n: 1, fp: 0, fn: 1 },
      other: { n: 2, fp: 1, fn: 0 },
    })
  })
})
