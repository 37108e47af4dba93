import { describe, expect, it } from 'vitest'
import { labelIndex, loadModernSet, MODERN_CATEGORIES, parseModernSet } from '../modern-set.ts'
import { loadSplits } from '../data.ts'

describe('the modern set', () => {
  const set = loadModernSet()

  it('covers every category, short and long, ham and spam', () => {
    expect(set.length).toBeGreaterThanOrEqual(60)
    for (const c of MODERN_CATEGORIES) {
      expect(set.some((m) => m.category === c && m.length === 'short')).toBe(true)
      expect(set.some((m) => m.category === c && m.length === 'long')).toBe(true)
    }
    expect(set.filter((m) => labelIndex(m) === 0).length).toBeGreaterThan(set.length / 2)
  })

  it('shares no text with the corpus (it is never training data)', () => {
    const splits = loadSplits()
    const corpus = new Set([...splits.train, ...splits.validation, ...splits.test].map((e) => e.text.trim()))
    for (const m of set) expect(corpus.has(m.text.trim())).toBe(false)
  }, 60_000)

  it('rejects malformed lines, duplicate ids and a category under the wrong label', () => {
    const line = (o: object): string => JSON.stringify({ id: 'a', label: 'ham', category: 'personal', length: 'short', text: 'hi', ...o })
    expect(parseModernSet(line({}))).toHaveLength(1)
    expect(() => parseModernSet(line({ label: 'maybe' }))).toThrow(/expected/)
    expect(() => parseModernSet(`${line({})}\n${line({})}`)).toThrow(/duplicate/)
    expect(() => parseModernSet(line({ category: 'phishing' }))).toThrow(/does not go with/)
  })
})
