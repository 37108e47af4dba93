import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { truncateLongestFirst } from '../../../src/core/tokenizers/tokenizer.ts'
import { MODELS, realTokenizer } from './load-real.ts'

// any UTF-16 unit (lone surrogates included), weighted towards controls, spaces and specials
const unit = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '\u0000',
      '\t',
      '\n',
      '\r',
      ' ',
      '\u00a0',
      '\u200d',
      '\u0301',
      '\ufffd',
      '\u2581',
      '\u{1f600}',
      '\ud800',
      '\udc00',
      '[CLS]',
      '<unk>',
      '##',
    ),
  },
  { weight: 3, arbitrary: fc.constantFrom('a', 'e', 'the', 'Hello', '!', ',', 'é', '生', '1', 'ﬁ') },
)
const text = fc.string({ unit, maxLength: 300 })

/** Oracle for longest_first: drop from the longer; a tie drops from A unless A started longer. */
function oracle(a: number, b: number, max: number): [number, number] {
  const aWasLonger = a > b
  while (a + b > max) {
    if (a > b || (a === b && !aWasLonger)) a--
    else b--
  }
  return [a, b]
}

describe.each([MODELS.albert, MODELS.electra])('%s properties', (model) => {
  const tok = realTokenizer(model)

  it('never throws on arbitrary Unicode; ids in the vocabulary; offsets inside the input', () => {
    fc.assert(
      fc.property(text, fc.option(text, { nil: undefined }), (a, b) => {
        const e = tok.encode(b === undefined ? { text: a } : { text: a, text_pair: b }, { max_length: 100_000, truncation: false })
        const n = e.ids.length
        expect([e.tokens.length, e.attention_mask.length, e.token_type_ids.length, e.offsets.length]).toEqual([n, n, n, n])
        for (const id of e.ids) expect(id >= 0 && id < tok.vocab_size && Number.isInteger(id)).toBe(true)
        e.offsets.forEach(([s, end], i) => {
          const src = (e.token_type_ids[i] ?? 0) === 0 ? a : (b ?? '')
          expect(0 <= s && s <= end && end <= src.length).toBe(true)
        })
      }),
      { numRuns: 300 },
    )
  })

  it('handles a very long input', () => {
    const long = 'Lorem ipsum \u0000dolor\u{1F600} sit amet, ünïcödé 生活. '.repeat(2000)
    const e = tok.encode({ text: long }, { max_length: 512, truncation: true })
    expect(e.ids.length).toBe(512)
    expect(() => tok.encode({ text: long }, { max_length: 512, truncation: false })).toThrow(/max_length is 512/)
  })

  it('truncation keeps at most max_length tokens, exactly max_length when it cut, longest_first for pairs', () => {
    fc.assert(
      fc.property(text, text, fc.integer({ min: 3, max: 40 }), (a, b, max) => {
        const full = tok.encode({ text: a, text_pair: b }, { max_length: 100_000, truncation: false })
        const cut = tok.encode({ text: a, text_pair: b }, { max_length: max, truncation: true })
        const lenA = full.token_type_ids.filter((t) => t === 0).length - 2
        const lenB = full.token_type_ids.filter((t) => t === 1).length - 1
        const [ea, eb] = oracle(lenA, lenB, max - 3)
        expect(cut.token_type_ids.filter((t) => t === 0).length - 2).toBe(ea)
        expect(cut.token_type_ids.filter((t) => t === 1).length - 1).toBe(eb)
        expect(cut.ids.length).toBe(Math.min(full.ids.length, max))
        // truncation keeps a prefix of each sequence
        expect(cut.ids.slice(1, 1 + ea)).toEqual(full.ids.slice(1, 1 + ea))
      }),
      { numRuns: 200 },
    )
  })
})

describe('truncateLongestFirst', () => {
  it('matches the drop-from-the-longer oracle', () => {
    fc.assert(
      fc.property(fc.nat(60), fc.nat(60), fc.nat(80), (a, b, max) => {
        const [ra, rb] = truncateLongestFirst(Array(a).fill(0), Array(b).fill(0), max)
        expect([ra.length, rb?.length]).toEqual(oracle(a, b, max))
      }),
    )
  })
})
