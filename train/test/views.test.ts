import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../../scripts/checkpoint/random.ts'
import {
  drawBucket,
  drawView,
  fixedViews,
  LENGTH_BUCKETS,
  makeView,
  paragraphs,
  strippedBody,
  stripQuotes,
  stripSignature,
} from '../views.ts'

const reply = `On Fri, Sep 27, 2002 at 11:17 AM, Jim wrote:

> I attended the workshop
> yesterday.
Wendy> a supercite quote

I really wanted to go to this.

Second paragraph here, with more words in it.

--
whump
"a signature line"
_______________________________________________
Some-list mailing list`

describe('stripping', () => {
  it('drops quoted lines and their attribution', () => {
    const out = stripQuotes(reply)
    expect(out).not.toMatch(/workshop|wrote:|supercite/)
    expect(out).toMatch(/I really wanted/)
  })

  it('cuts from the signature separator or a list-footer rule', () => {
    expect(stripSignature(reply)).not.toMatch(/whump|mailing list/)
    expect(stripSignature('body\n____________\nfooter')).toBe('body')
    expect(stripSignature('no signature here')).toBe('no signature here')
  })

  it('keeps the body itself when stripping would leave nothing', () => {
    expect(strippedBody('> only quoted')).toBe('> only quoted')
    expect(strippedBody(reply)).toBe('I really wanted to go to this.\n\nSecond paragraph here, with more words in it.')
    expect(paragraphs(strippedBody(reply))).toHaveLength(2)
  })
})

describe('makeView', () => {
  const long = Array.from({ length: 300 }, (_, i) => `w${i}`).join(' ')

  it('cuts windows and heads to the word budget', () => {
    const r = mulberry32(1)
    const head = makeView(long, 'head', 20, r).split(' ')
    expect(head).toEqual(Array.from({ length: 20 }, (_, i) => `w${i}`))
    const window = makeView(long, 'window', 20, r).split(' ')
    expect(window).toHaveLength(20)
    const first = Number(window[0]?.slice(1))
    expect(window).toEqual(Array.from({ length: 20 }, (_, i) => `w${first + i}`))
  })

  it('keeps the body whole, or stripped, for the long kinds', () => {
    const r = mulberry32(2)
    expect(makeView(reply, 'body', 10, r)).toBe(reply)
    expect(makeView(reply, 'stripped', 10, r)).toBe(strippedBody(reply))
    expect(makeView(reply, 'first-paragraphs', 100, r)).toMatch(/^I really wanted to go to this\./)
  })

  it('falls back to the first words when a view would have fewer than three', () => {
    expect(makeView('Hi.\n\nThe rest of the message is here.', 'first-paragraphs', 50, () => 0)).toBe(
      'Hi. The rest of the message is here.',
    )
  })
})

describe('length buckets', () => {
  it('draw every bucket, by weight, independently of anything but the random source', () => {
    const r = mulberry32(7)
    const counts = new Map<number, number>()
    for (let i = 0; i < 10000; i++) {
      const b = drawBucket(r)
      counts.set(b.tokens, (counts.get(b.tokens) ?? 0) + 1)
    }
    for (const b of LENGTH_BUCKETS) expect((counts.get(b.tokens) ?? 0) / 10000).toBeCloseTo(b.weight, 1)
  })

  it('keep whole bodies only at the longest length and shorten the budget below it', () => {
    const r = mulberry32(3)
    for (let i = 0; i < 200; i++) {
      expect(['body', 'stripped']).toContain(drawView(256, 256, r).kind)
      const v = drawView(32, 256, r)
      expect(v.kind).not.toBe('body')
      expect(v.maxWords).toBeLessThanOrEqual(32 * 0.75)
      expect(v.maxWords).toBeGreaterThanOrEqual(32 * 0.75 * 0.3)
    }
  })
})

describe('fixedViews', () => {
  it('is the same set every time and uses only the short buckets', () => {
    const texts = Array.from({ length: 50 }, (_, i) => `${reply}\n\nmessage ${i}`)
    const a = fixedViews(texts, 20)
    expect(fixedViews(texts, 20)).toEqual(a)
    expect(new Set(a.map((v) => v.tokens)).has(256)).toBe(false)
    expect(a.every((v) => !v.text.includes('whump'))).toBe(true)
  })
})
