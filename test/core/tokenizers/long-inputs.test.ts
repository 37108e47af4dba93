import { describe, expect, it } from 'vitest'
import { MODELS, realTokenizer } from './load-real.ts'

/**
 * Inputs far longer than a request allows (a corpus email body is 164k
 * characters), and long runs of combining marks that NFKD must reorder: they
 * must encode, with correct offsets, in time linear in their length.
 */
describe.each(Object.values(MODELS))('%s on long inputs', (model) => {
  const tokenizer = realTokenizer(model)
  const options = { max_length: 16, truncation: true }

  it('encodes a 200k-character text without exhausting the stack', () => {
    const text = 'spam and ham '.repeat(16_000)
    const encoding = tokenizer.encode({ text }, options)
    expect(encoding.ids).toHaveLength(16)
  })

  it('reorders a 20k-mark run of combining marks, keeping each mark its own offset', () => {
    // U+0301 (combining class 230) before U+0316 (220): canonical ordering moves every U+0316 first.
    const marks = '\u0301'.repeat(10_000) + '\u0316'.repeat(10_000)
    const text = `x${marks} y`
    const pipeline = realTokenizer(model)
    const encoding = pipeline.encode({ text }, { max_length: 512, truncation: true })
    expect(encoding.ids.length).toBeGreaterThan(2)
    for (const [start, end] of encoding.offsets) {
      expect(start).toBeGreaterThanOrEqual(0)
      expect(end).toBeLessThanOrEqual(text.length)
      expect(start).toBeLessThanOrEqual(end)
    }
    // The final word still points at itself.
    const last = encoding.offsets.at(-2)
    expect(last && text.slice(last[0], last[1])).toBe('y')
  })
})
