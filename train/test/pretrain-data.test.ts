import { describe, expect, it } from 'vitest'
import { sharedTokenizer } from '../batches.ts'
import { mulberry32 } from '../../scripts/checkpoint/random.ts'
import {
  BERT_MASKING,
  bodyTokens,
  makePretrainBatch,
  maskTokens,
  pretrainExample,
  sopPair,
  specialTokens,
  type SpecialTokens,
  windows,
} from '../pretrain-data.ts'

// ALBERT's ids: <pad> 0, <unk> 1, [CLS] 2, [SEP] 3, [MASK] 4.
const tokens: SpecialTokens = { cls: 2, sep: 3, mask: 4, pad: 0, special: new Set([0, 1, 2, 3, 4]), vocabSize: 30000 }

describe('specialTokens / bodyTokens (real albert-base-v2 tokenizer)', () => {
  const tokenizer = sharedTokenizer('albert-base-v2')
  it('reads [CLS], [SEP], [MASK] and the special set from tokenizer.json', () => {
    const t = specialTokens('albert-base-v2', tokenizer)
    expect([t.cls, t.sep, t.mask, t.pad]).toEqual([2, 3, 4, 0])
    expect([...t.special].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4])
    expect(t.vocabSize).toBe(30000)
  })
  it("keeps the whole body, without specials, and agrees with the classifier's truncated encoding", () => {
    const text = Array.from({ length: 120 }, (_, i) => `word${i} is here.`).join(' ')
    const [ids = []] = bodyTokens(tokenizer, [text], tokens)
    const head = tokenizer.encode({ text }, { max_length: 128, truncation: true }).ids
    expect(ids.length).toBeGreaterThan(400)
    expect(ids.slice(0, 126)).toEqual(head.slice(1, 127))
    expect(ids).not.toContain(2)
    expect(ids).not.toContain(3)
  })
})

describe('windows', () => {
  it('cuts each body into consecutive non-overlapping windows and drops short tails', () => {
    const body = Array.from({ length: 23 }, (_, i) => 100 + i)
    const w = windows([body, [7, 8, 9]], 10, 4)
    expect(w).toEqual([body.slice(0, 10), body.slice(10, 20)])
    expect(windows([body], 10, 3).flat()).toEqual(body)
  })
})

describe('maskTokens', () => {
  it('selects 15% of the non-special tokens, never a special one, replacing 80/10/10', () => {
    const random = mulberry32(7)
    let mask = 0
    let swapped = 0
    let kept = 0
    for (let trial = 0; trial < 400; trial++) {
      const ids = [2, ...Array.from({ length: 100 }, () => 5 + Math.floor(random() * 29000)), 3, 0, 0]
      const m = maskTokens(ids, tokens, BERT_MASKING, random)
      expect(m.positions.length).toBe(15)
      expect(new Set(m.positions).size).toBe(15)
      expect(m.positions).toEqual([...m.positions].sort((a, b) => a - b))
      m.positions.forEach((pos, k) => {
        expect(tokens.special.has(ids[pos] ?? 0)).toBe(false)
        expect(m.labels[k]).toBe(ids[pos])
        const now = m.ids[pos] ?? -1
        if (now === tokens.mask) mask++
        else if (now === ids[pos]) kept++
        else {
          swapped++
          expect(tokens.special.has(now)).toBe(false)
          expect(now).toBeLessThan(30000)
        }
      })
      // unselected positions are untouched
      ids.forEach((id, i) => {
        if (!m.positions.includes(i)) expect(m.ids[i]).toBe(id)
      })
    }
    const n = mask + swapped + kept
    expect(n).toBe(6000)
    // binomial sd of a 10% share over 6000 draws is 0.4 points
    expect(mask / n).toBeGreaterThan(0.78)
    expect(mask / n).toBeLessThan(0.82)
    expect(swapped / n).toBeGreaterThan(0.085)
    expect(swapped / n).toBeLessThan(0.115)
    expect(kept / n).toBeGreaterThan(0.085)
    expect(kept / n).toBeLessThan(0.115)
  })
  it('masks at least one token of a short input', () => {
    const m = maskTokens([2, 50, 51, 3], tokens, BERT_MASKING, mulberry32(1))
    expect(m.positions.length).toBe(1)
  })
})

describe('sentence-order pairs', () => {
  const window = [10, 11, 12, 13, 14, 15, 16]
  it('puts the two halves of a window in order, or swapped with label 1', () => {
    expect(sopPair(window, false, tokens)).toEqual({
      ids: [2, 10, 11, 12, 13, 3, 14, 15, 16, 3],
      types: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1],
      order: 0,
    })
    expect(sopPair(window, true, tokens)).toEqual({
      ids: [2, 14, 15, 16, 3, 10, 11, 12, 13, 3],
      types: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
      order: 1,
    })
  })
  it("swaps about half of the examples, and masks the pair's content only", () => {
    const random = mulberry32(3)
    let swaps = 0
    for (let i = 0; i < 2000; i++) {
      const e = pretrainExample(
        Array.from({ length: 40 }, (_, k) => 100 + k),
        'mlm-sop',
        tokens,
        random,
      )
      swaps += e.order
      expect(e.positions.length).toBe(6)
      for (const pos of e.positions) expect([0, 21, 42]).not.toContain(pos)
    }
    expect(swaps / 2000).toBeGreaterThan(0.46)
    expect(swaps / 2000).toBeLessThan(0.54)
  })
})

describe('makePretrainBatch', () => {
  it('pads, flattens the masked positions and restores the originals', () => {
    const random = mulberry32(9)
    const items = [
      pretrainExample([20, 21, 22, 23, 24, 25, 26, 27, 28, 29], 'mlm-sop', tokens, random),
      pretrainExample([30, 31, 32, 33], 'rtd', tokens, random),
    ]
    const b = makePretrainBatch(items, 0)
    expect(b.seq).toBe(13)
    expect(Array.from(b.mask.subarray(13))).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
    expect(Array.from(b.order)).toEqual([items[0]?.order, 0])
    expect(b.positions.length).toBe((items[0]?.positions.length ?? 0) + (items[1]?.positions.length ?? 0))
    b.positions.forEach((flat, k) => expect(b.original[flat]).toBe(b.labels[k]))
    expect(Array.from(b.original.subarray(13, 19))).toEqual([2, 30, 31, 32, 33, 3])
  })
})
