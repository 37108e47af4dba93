import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../../scripts/checkpoint/random.ts'
import { sharedTokenizer } from '../batches.ts'
import type { Example } from '../data.ts'
import { loadModernSet } from '../modern-set.ts'
import { everyFrame, everyNoticePart, everyTemplate, LONG_SHARE, syntheticMessage, TEMPLATE_COUNT } from '../synthetic.ts'
import { fittingMessage, generatedValidation, viewBatcher } from '../view-batches.ts'

const words = (text: string): string[] => text.toLowerCase().match(/[a-z0-9']+/g) ?? []
const shingles = (text: string, n: number): Set<string> => {
  const w = words(text)
  const out = new Set<string>()
  for (let i = 0; i + n <= w.length; i++) out.add(w.slice(i, i + n).join(' '))
  return out
}

describe('generated messages', () => {
  it('fill every slot, for both labels, the same for the same seed', () => {
    expect(TEMPLATE_COUNT.ham).toBeGreaterThan(20)
    expect(TEMPLATE_COUNT.spam).toBeGreaterThan(20)
    for (const { text } of everyTemplate(mulberry32(1))) {
      expect(text).not.toMatch(/[{}]/)
      expect(words(text).length).toBeGreaterThanOrEqual(5)
    }
    const a = Array.from({ length: 20 }, (_, i) => syntheticMessage((i % 2) as 0 | 1, mulberry32(i)))
    const b = Array.from({ length: 20 }, (_, i) => syntheticMessage((i % 2) as 0 | 1, mulberry32(i)))
    expect(a).toEqual(b)
    expect(new Set(a).size).toBeGreaterThan(15)
  })

  it('draw long notices as often as the long share asks, and only that changes', () => {
    const draws = (share: number | undefined): string[] =>
      Array.from({ length: 400 }, (_, i) => syntheticMessage((i % 2) as 0 | 1, mulberry32(i), share))
    const long = (texts: string[]): number => texts.filter((t) => words(t).length >= 45).length
    const [none, usual, all] = [draws(0), draws(LONG_SHARE), draws(1)]
    expect(usual).toEqual(draws(undefined))
    expect(long(all)).toBeGreaterThan(long(usual) + 60)
    expect(long(usual)).toBeGreaterThan(long(none) + 20)
    // a composed notice never reads the share, so those draws are the same in every run
    expect(none.filter((t, i) => t === all[i]).length).toBeGreaterThan(100)
  })

  it('share no run of six words with the modern set, which stays held out', () => {
    const held = new Set(loadModernSet().flatMap((m) => [...shingles(m.text, 6)]))
    const shared = new Set<string>()
    for (let seed = 0; seed < 200; seed++)
      for (const text of [
        ...everyTemplate(mulberry32(seed)).map((t) => t.text),
        ...everyFrame(mulberry32(seed)),
        ...everyNoticePart(mulberry32(seed)),
        // composed notices join parts, so their seams are checked too
        syntheticMessage(0, mulberry32(seed)),
        syntheticMessage(1, mulberry32(seed)),
      ])
        for (const s of shingles(text, 6)) if (held.has(s)) shared.add(s)
    expect([...shared]).toEqual([])
  })

  it('never put a lookalike host or a link shortener in a ham message', () => {
    const lure = /\.(top|xyz|info|click|biz|online)\b|\b(bit|tiny|cutt)\.(ly|cc|io)\//
    let spamWithLure = 0
    for (let seed = 0; seed < 400; seed++) {
      expect(syntheticMessage(0, mulberry32(seed))).not.toMatch(lure)
      if (lure.test(syntheticMessage(1, mulberry32(seed)))) spamWithLure++
    }
    expect(spamWithLure).toBeGreaterThan(100)
  })
})

describe('the view mix', () => {
  const tokenizer = sharedTokenizer('electra-small')
  const body = (label: 0 | 1, i: number): Example => ({
    source: `t/${i}`,
    label,
    text: `${label === 1 ? 'buy now cheap offer' : 'the meeting notes'} ${'word '.repeat(300)}number ${i}`,
  })
  const train = Array.from({ length: 64 }, (_, i) => body((i % 2) as 0 | 1, i))
  const indices = train.map((_, i) => i)
  const wordId = tokenizer.encode({ text: 'word' }, { max_length: 8, truncation: true }).ids[1]

  it('replaces short rows with generated messages of the same label, never whole bodies', () => {
    const mixed = viewBatcher(tokenizer, train, 256, 7, { synthetic: 0.5 })
    let generated = 0
    let long = 0
    for (let step = 0; step < 30; step++) {
      const batch = mixed(indices, step)
      const tokens = Math.max(...batch.map((e) => e.ids.length))
      batch.forEach((e, i) => {
        expect(e.label).toBe(train[i]?.label)
        const fromCorpus = e.ids.includes(wordId ?? -1)
        if (tokens > 128) {
          long++
          expect(fromCorpus).toBe(true)
        } else if (!fromCorpus) generated++
      })
    }
    expect(long).toBeGreaterThan(0)
    expect(generated).toBeGreaterThan(0)
  })

  it('puts a generated message only in a row it fits whole, and in rows of 32 tokens or more', () => {
    for (const tokens of [32, 64]) {
      for (let seed = 0; seed < 20; seed++) {
        const m = fittingMessage(tokenizer, (seed % 2) as 0 | 1, tokens, mulberry32(seed))
        if (m !== undefined) expect(m.ids.length).toBeLessThanOrEqual(tokens)
      }
    }
    // generated rows (no corpus word in them, even in the shortest view) by row length and label
    const marked = train.map((e) => ({ ...e, text: `word ${e.text}` }))
    const mixed = viewBatcher(tokenizer, marked, 256, 11, { synthetic: 1 })
    const generated = new Map<string, number>()
    for (let step = 0; step < 120; step++) {
      const batch = mixed(indices, step)
      const tokens = Math.max(...batch.map((e) => e.ids.length))
      for (const e of batch)
        if (!e.ids.includes(wordId ?? -1)) {
          const key = `${tokens <= 16 ? 16 : tokens <= 32 ? 32 : 64}/${e.label}`
          generated.set(key, (generated.get(key) ?? 0) + 1)
        }
    }
    expect(generated.get('16/0') ?? 0).toBe(0)
    expect(generated.get('16/1') ?? 0).toBe(0)
    // length must not hint at the label: in 32-token rows spam is generated nearly as often as ham
    const ham32 = generated.get('32/0') ?? 0
    const spam32 = generated.get('32/1') ?? 0
    expect(ham32).toBeGreaterThan(50)
    expect(spam32).toBeGreaterThan(0.8 * ham32)
  })

  it('scores a fixed set of generated messages of both labels in turn', () => {
    const a = generatedValidation(tokenizer, 256, 40)
    expect(a).toEqual(generatedValidation(tokenizer, 256, 40))
    expect(a.map((e) => e.label)).toEqual(Array.from({ length: 40 }, (_, i) => i % 2))
    expect(new Set(a.map((e) => e.ids.join(' '))).size).toBeGreaterThan(30)
  })

  it('gives every row the text its ids encode, cut where its tokens end, so a teacher reads what the student read', () => {
    const mixed = viewBatcher(tokenizer, train, 256, 5, { synthetic: 0.5 })
    let cut = 0
    for (let step = 0; step < 20; step++)
      for (const row of mixed(indices.slice(0, 8), step)) {
        // encoded whole, with no length limit: the text holds no word the row's ids left out
        expect(tokenizer.encode({ text: row.text }, { max_length: 100_000, truncation: true }).ids).toEqual(row.ids)
        // every body ends in "number i", past any row's length: a corpus row without it was cut
        if (row.ids.includes(wordId ?? -1) && !row.text.includes('number')) cut++
      }
    expect(cut).toBeGreaterThan(0)
  })

  it('without a share repeats the batches of a run that had none', () => {
    const plain = viewBatcher(tokenizer, train, 256, 7)
    const none = viewBatcher(tokenizer, train, 256, 7, { synthetic: 0 })
    for (let step = 0; step < 5; step++) expect(none(indices, step)).toEqual(plain(indices, step))
  })

  it('puts more long notices in generated rows with a larger long share, and the default share changes nothing', () => {
    const longRows = (share: number | undefined): number => {
      const batcher = viewBatcher(tokenizer, train, 256, 5, share === undefined ? { synthetic: 1 } : { synthetic: 1, longShare: share })
      let n = 0
      for (let step = 0; step < 60; step++) n += batcher(indices.slice(0, 8), step).filter((e) => words(e.text).length >= 45).length
      return n
    }
    const plain = viewBatcher(tokenizer, train, 256, 5, { synthetic: 1 })
    const usual = viewBatcher(tokenizer, train, 256, 5, { synthetic: 1, longShare: LONG_SHARE })
    for (let step = 0; step < 5; step++) expect(usual(indices, step)).toEqual(plain(indices, step))
    expect(longRows(1)).toBeGreaterThan(longRows(undefined) + 20)
  })

  it('draws the whole-body bucket more often with a larger weight', () => {
    const longShare = (weight: number): number => {
      const batcher = viewBatcher(tokenizer, train, 256, 3, { longWeight: weight })
      let n = 0
      for (let step = 0; step < 200; step++) if (Math.max(...batcher(indices.slice(0, 2), step).map((e) => e.ids.length)) > 128) n++
      return n / 200
    }
    expect(longShare(1)).toBeGreaterThan(longShare(0.15) + 0.3)
  })
})
