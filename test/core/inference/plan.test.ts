import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { classifyEncodings } from '../../../src/core/inference/classifier.ts'
import {
  type BatchBudget,
  DEFAULT_BATCH_BUDGET,
  DEFAULT_RUN_COST,
  fitsBudget,
  planByLength,
  planRuns,
  type PlannedRun,
  runCost,
  type RunCost,
} from '../../../src/core/inference/plan.ts'
import type { ClassifierSession, Int64Input } from '../../../src/core/inference/session.ts'
import type { Encoding } from '../../../src/core/tokenizers/types.ts'
import { encodingOf } from '../../support/encodings.ts'

const budget = DEFAULT_BATCH_BUDGET
const cost = DEFAULT_RUN_COST
const totalCost = (plan: readonly PlannedRun[], c: RunCost = cost): number =>
  plan.reduce((s, r) => s + runCost(r.rows.length, r.length, c), 0)
const lengthsArb = fc.array(fc.integer({ min: 1, max: 600 }), { maxLength: 64 })
const budgetArb = fc.record({ tokens: fc.integer({ min: 1, max: 4096 }), attention: fc.integer({ min: 1, max: 1 << 20 }) })

/** Every set partition of 0..n-1 (Bell(n) of them), for brute force on small batches. */
function* partitions(n: number): Generator<number[][]> {
  if (n === 0) {
    yield []
    return
  }
  for (const rest of partitions(n - 1)) {
    for (let g = 0; g < rest.length; g++) yield rest.map((group, i) => (i === g ? [...group, n - 1] : group))
    yield [...rest, [n - 1]]
  }
}

describe('planByLength', () => {
  it('puts every input in exactly one run, padded to its longest member', () => {
    fc.assert(
      fc.property(lengthsArb, budgetArb, (lengths, b) => {
        const plan = planByLength(lengths, b)
        const seen = plan.flatMap((r) => r.rows).sort((x, y) => x - y)
        expect(seen).toEqual(lengths.map((_, i) => i))
        for (const run of plan) expect(run.length).toBe(Math.max(...run.rows.map((i) => lengths[i] ?? 0)))
      }),
    )
  })

  it('keeps every run within the memory budget (a lone input always runs)', () => {
    fc.assert(
      fc.property(lengthsArb, budgetArb, (lengths, b) => {
        for (const run of planByLength(lengths, b)) {
          if (run.rows.length > 1) {
            expect(run.rows.length * run.length).toBeLessThanOrEqual(b.tokens)
            expect(run.rows.length * run.length ** 2).toBeLessThanOrEqual(b.attention)
          }
        }
      }),
    )
  })

  it('runs shortest first, each run a contiguous stretch of the sorted lengths', () => {
    fc.assert(
      fc.property(lengthsArb, (lengths) => {
        const flat = planByLength(lengths, budget).flatMap((r) => r.rows.map((i) => lengths[i] ?? 0))
        expect(flat).toEqual([...lengths].sort((a, b) => a - b))
      }),
    )
  })

  it('finds the cheapest plan: no set partition of a small batch costs less', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 7 }),
        fc.record({
          perRun: fc.double({ min: 0, max: 200, noNaN: true }),
          perPair: fc.double({ min: 0, max: 0.01, noNaN: true }),
          maxGroupedLength: fc.integer({ min: 0, max: 400 }),
        }),
        (lengths, c) => {
          let best = Number.POSITIVE_INFINITY
          for (const p of partitions(lengths.length)) {
            const runs = p.map((rows) => ({ rows, length: Math.max(...rows.map((i) => lengths[i] ?? 0)) }))
            if (runs.every((r) => fitsBudget(r.rows.length, r.length, budget))) best = Math.min(best, totalCost(runs, c))
          }
          expect(totalCost(planByLength(lengths, budget, c), c)).toBeLessThanOrEqual(best * (1 + 1e-12))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('never costs more than the in-order plan or than every input alone', () => {
    fc.assert(
      fc.property(lengthsArb, (lengths) => {
        const planned = totalCost(planByLength(lengths, budget))
        const inOrder = planRuns(lengths, budget).map(([s, e]) => ({
          rows: lengths.slice(s, e).map((_, k) => s + k),
          length: Math.max(...lengths.slice(s, e)),
        }))
        const alone = lengths.map((length, i) => ({ rows: [i], length }))
        expect(planned).toBeLessThanOrEqual(totalCost(inOrder) + 1e-9)
        expect(planned).toBeLessThanOrEqual(totalCost(alone) + 1e-9)
      }),
    )
  })

  it('groups short inputs and runs long ones alone', () => {
    const lengths = [256, 9, 256, 12, 256, 10, 256, 11]
    expect(planByLength(lengths, budget)).toEqual([
      { rows: [1, 5, 7, 3], length: 12 },
      { rows: [0], length: 256 },
      { rows: [2], length: 256 },
      { rows: [4], length: 256 },
      { rows: [6], length: 256 },
    ])
    expect(planByLength([], budget)).toEqual([])
    expect(planByLength([4096], budget)).toEqual([{ rows: [0], length: 4096 }])
  })

  it('never puts an input longer than maxGroupedLength in a run with another', () => {
    fc.assert(
      fc.property(lengthsArb, fc.integer({ min: 0, max: 600 }), (lengths, maxGroupedLength) => {
        for (const run of planByLength(lengths, budget, { ...cost, maxGroupedLength })) {
          if (run.rows.length > 1) expect(run.length).toBeLessThanOrEqual(maxGroupedLength)
        }
      }),
    )
  })
})

describe('planRuns (in request order, the reference plan)', () => {
  it('splits by padded tokens and by attention, in order', () => {
    expect(planRuns(Array(8).fill(128), budget)).toEqual([[0, 8]])
    expect(planRuns(Array(16).fill(128), budget)).toEqual([
      [0, 8],
      [8, 16],
    ])
    expect(planRuns([10, 512, 10], budget)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ])
  })
})

/**
 * A session whose logits depend on the whole padded run, as int8 dynamic
 * quantization (one activation scale per tensor) does: label a = the row's real
 * tokens, b = the run's padded length, c = the sum of every id in the run.
 */
function runSensitiveSession(seen: Array<[number, number]>): ClassifierSession {
  return {
    inputNames: ['input_ids', 'attention_mask', 'token_type_ids'],
    async run(feeds: Record<string, Int64Input>) {
      const mask = feeds.attention_mask
      const ids = feeds.input_ids
      if (!mask || !ids) throw new Error('missing feeds')
      seen.push(mask.dims)
      const [b, t] = mask.dims
      let runSum = 0
      for (const v of ids.data) runSum += Number(v)
      const data = new Float32Array(b * 3)
      for (let r = 0; r < b; r++) {
        let real = 0
        for (let j = 0; j < t; j++) real += Number(mask.data[r * t + j])
        data.set([real, t, runSum], r * 3)
      }
      return { data, dims: [b, 3] }
    },
    async release() {},
  }
}

const encodingArb = fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 300 }).map((ids): Encoding => ({
  ids,
  tokens: ids.map(String),
  attention_mask: ids.map(() => 1),
  token_type_ids: ids.map(() => 0),
  offsets: ids.map(() => [0, 0] as [number, number]),
}))
const labels = { '0': 'real', '1': 'padded', '2': 'run' }
const model = { pad_id: 0, id2label: labels }
const raw = { activation: 'none' as const, top_k: null }
const scoreOf = (row: readonly { label: string; score: number }[] | undefined, label: string): number =>
  row?.find((x) => x.label === label)?.score ?? Number.NaN

describe('classifyEncodings with a budget', () => {
  it('answers in request order, within the budget, padded no further than each run needs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(encodingArb, { maxLength: 40 }), async (encodings) => {
        const seen: Array<[number, number]> = []
        const out = await classifyEncodings(runSensitiveSession(seen), encodings, model, raw, budget)
        expect(out.map((row) => scoreOf(row, 'real'))).toEqual(encodings.map((e) => e.ids.length))
        for (const [b, t] of seen) expect(fitsBudget(b, t, budget)).toBe(true)
        expect(seen.reduce((s, [b]) => s + b, 0)).toBe(encodings.length)
      }),
      { numRuns: 60 },
    )
  })

  it('gives exactly the same answers for any permutation of the request', async () => {
    // Repeating the first inputs makes equal lengths, whose grouping must not depend on the order either.
    const batchArb = fc.array(encodingArb, { minLength: 1, maxLength: 24 }).map((e) => [...e, ...e.slice(0, 3)])
    await fc.assert(
      fc.asyncProperty(
        batchArb.chain((batch) =>
          fc.tuple(
            fc.constant(batch),
            fc.shuffledSubarray(
              batch.map((_, i) => i),
              { minLength: batch.length, maxLength: batch.length },
            ),
          ),
        ),
        async ([batch, perm]) => {
          const a = await classifyEncodings(runSensitiveSession([]), batch, model, raw, budget)
          const b = await classifyEncodings(
            runSensitiveSession([]),
            perm.map((i) => batch[i] as Encoding),
            model,
            raw,
            budget,
          )
          expect(b).toEqual(perm.map((i) => a[i]))
        },
      ),
      { numRuns: 60 },
    )
  })

  it('without a budget runs one padded batch in request order', async () => {
    const seen: Array<[number, number]> = []
    const enc = encodingOf
    await classifyEncodings(runSensitiveSession(seen), [enc(3), enc(700), enc(2)], model, raw)
    expect(seen).toEqual([[3, 700]])
  })
})

describe('the default budget and cost', () => {
  it('are what the Memory section and docs/benchmarks.md describe', () => {
    const b: BatchBudget = DEFAULT_BATCH_BUDGET
    expect(b).toEqual({ tokens: 1024, attention: 131_072 })
    expect(cost.perRun).toBeGreaterThan(0)
  })
})
