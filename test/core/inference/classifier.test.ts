import { describe, expect, it } from 'vitest'
import { applyActivation, classifyEncodings, planRuns, scoreLogits } from '../../../src/core/inference/classifier.ts'
import type { ClassifierSession, Int64Input } from '../../../src/core/inference/session.ts'
import { encodingOf } from '../../support/encodings.ts'

const labels = { '0': 'a', '1': 'b', '2': 'c' }

describe('applyActivation', () => {
  it('softmax sums to one and survives large logits', () => {
    const p = applyActivation([1000, 1001, 999], 'softmax')
    expect(p.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12)
    expect(p[1]).toBeGreaterThan(p[0] ?? 1)
  })
  it('sigmoid is per label, none is identity', () => {
    expect(applyActivation([0, 2], 'sigmoid')).toEqual([0.5, 1 / (1 + Math.exp(-2))])
    expect(applyActivation([-3, 4], 'none')).toEqual([-3, 4])
  })
})

describe('scoreLogits', () => {
  it('sorts by score, breaks ties by label order, keeps top_k', () => {
    const logits = { data: new Float32Array([1, 3, 3, 0, -1, 2]), dims: [2, 3] as [number, number] }
    const all = scoreLogits(logits, labels, { activation: 'none', top_k: null })
    expect(all[0]?.map((r) => r.label)).toEqual(['b', 'c', 'a'])
    expect(all[1]?.map((r) => r.label)).toEqual(['c', 'a', 'b'])
    expect(scoreLogits(logits, labels, { activation: 'none', top_k: 1 })[1]).toEqual([{ label: 'c', score: 2 }])
  })
  it('names a logit without a label', () => {
    const logits = { data: new Float32Array(4), dims: [1, 4] as [number, number] }
    expect(() => scoreLogits(logits, labels, { activation: 'softmax', top_k: null })).toThrow(/no entry for 3/)
  })
})

describe('planRuns', () => {
  const budget = { tokens: 1024, attention: 131_072 }
  it('keeps a batch that fits as one run', () => {
    expect(planRuns(Array(8).fill(128), budget)).toEqual([[0, 8]])
    expect(planRuns(Array(16).fill(64), budget)).toEqual([[0, 16]])
  })
  it('splits by padded tokens and by attention, in order', () => {
    expect(planRuns(Array(16).fill(128), budget)).toEqual([
      [0, 8],
      [8, 16],
    ])
    expect(planRuns([256, 256, 256, 256], budget)).toEqual([
      [0, 2],
      [2, 4],
    ])
    expect(planRuns([10, 512, 10], budget)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ])
  })
  it('always runs a single input, whatever its length', () => {
    expect(planRuns([4096], budget)).toEqual([[0, 1]])
    expect(planRuns([], budget)).toEqual([])
  })
})

describe('classifyEncodings', () => {
  it('pads each run, feeds the session and returns results in input order', async () => {
    const seen: Array<[number, number]> = []
    const session: ClassifierSession = {
      inputNames: ['input_ids', 'attention_mask', 'token_type_ids'],
      // logit for label a = number of real tokens, so results identify their input
      async run(feeds: Record<string, Int64Input>) {
        const mask = feeds.attention_mask
        if (!mask) throw new Error('no mask')
        seen.push(mask.dims)
        const [b, t] = mask.dims
        const data = new Float32Array(b * 3)
        for (let r = 0; r < b; r++) for (let j = 0; j < t; j++) data[r * 3] = (data[r * 3] ?? 0) + Number(mask.data[r * t + j])
        return { data, dims: [b, 3] }
      },
      async release() {},
    }
    const enc = encodingOf
    const out = await classifyEncodings(
      session,
      [enc(3), enc(600), enc(2)],
      { pad_id: 0, id2label: labels },
      { activation: 'none', top_k: 1 },
      { tokens: 1024, attention: 131_072 },
    )
    expect(out.map((r) => r[0]?.score)).toEqual([3, 600, 2])
    // planned by length (src/core/inference/plan.ts): the two short inputs share a run, the long one runs alone
    expect(seen).toEqual([
      [2, 3],
      [1, 600],
    ])
    seen.length = 0
    await classifyEncodings(session, [enc(3), enc(2)], { pad_id: 0, id2label: labels }, { activation: 'none', top_k: 1 })
    expect(seen).toEqual([[2, 3]])
  })
})
