/**
 * The run-cost model of the length planner, fitted to measured runs: pure
 * (no clock, no ORT), so it can be checked without a model.
 */
import type { RunCost } from '../src/core/inference/plan.ts'

/** A run's cost in ms: fixed, per token (rows × length), per attention pair (rows × length²). */
export interface MsCost {
  perRun: number
  perToken: number
  perPair: number
}

/** One measured shape: the fastest of its runs. */
export interface CostSample {
  batch: number
  seq: number
  ms: number
}

export interface CostFit {
  cost: MsCost
  /** the same in the planner's units (one token through the dense layers) */
  relative: Pick<RunCost, 'perRun' | 'perPair'>
  /** the largest |predicted − measured| / measured over the samples */
  worstRelativeError: number
}

/** Solves a 3×3 linear system by Gaussian elimination with partial pivoting. */
function solve3(a: number[][], b: number[]): [number, number, number] {
  const m = a.map((row, i) => [...row, b[i] ?? 0])
  for (let c = 0; c < 3; c++) {
    let pivot = c
    for (let r = c + 1; r < 3; r++) if (Math.abs(m[r]?.[c] ?? 0) > Math.abs(m[pivot]?.[c] ?? 0)) pivot = r
    ;[m[c], m[pivot]] = [m[pivot] ?? [], m[c] ?? []]
    for (let r = c + 1; r < 3; r++) {
      const f = (m[r]?.[c] ?? 0) / (m[c]?.[c] ?? 1)
      for (let k = c; k < 4; k++) (m[r] as number[])[k] = (m[r]?.[k] ?? 0) - f * (m[c]?.[k] ?? 0)
    }
  }
  const x = [0, 0, 0]
  for (let r = 2; r >= 0; r--) {
    let s = m[r]?.[3] ?? 0
    for (let k = r + 1; k < 3; k++) s -= (m[r]?.[k] ?? 0) * (x[k] ?? 0)
    x[r] = s / (m[r]?.[r] ?? 1)
  }
  return [x[0] ?? 0, x[1] ?? 0, x[2] ?? 0]
}

/**
 * Least squares of relative errors (each row divided by its measured ms, so
 * a 4-token run counts as much as a 256-token one) for
 * ms = perRun + perToken·rows·length + perPair·rows·length².
 */
export function fitRunCost(samples: readonly CostSample[]): CostFit {
  const ata = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ]
  const atb = [0, 0, 0]
  for (const s of samples) {
    const row = [1, s.batch * s.seq, s.batch * s.seq * s.seq].map((v) => v / s.ms)
    for (let i = 0; i < 3; i++) {
      atb[i] = (atb[i] ?? 0) + (row[i] ?? 0)
      for (let j = 0; j < 3; j++) (ata[i] as number[])[j] = (ata[i]?.[j] ?? 0) + (row[i] ?? 0) * (row[j] ?? 0)
    }
  }
  const [perRun, perToken, perPair] = solve3(ata, atb)
  const cost: MsCost = { perRun, perToken, perPair }
  const worstRelativeError = Math.max(0, ...samples.map((s) => Math.abs(predictMs(cost, s.batch, s.seq) - s.ms) / s.ms))
  return { cost, relative: { perRun: perRun / perToken, perPair: perPair / perToken }, worstRelativeError }
}

/** The model's prediction for one padded run. */
export const predictMs = (c: MsCost, rows: number, length: number): number =>
  c.perRun + c.perToken * rows * length + c.perPair * rows * length * length

/**
 * What sharing a run buys each row: ms(rows, length) / (rows · ms(1, length)),
 * per measured shape with rows > 1. Below 1, rows gain by sharing a run;
 * at or above 1, they would run as fast alone.
 */
export function sharing(samples: readonly CostSample[]): Array<{ batch: number; seq: number; ratio: number }> {
  const alone = new Map(samples.filter((s) => s.batch === 1).map((s) => [s.seq, s.ms]))
  return samples.flatMap((s) => {
    const one = alone.get(s.seq)
    return s.batch > 1 && one !== undefined
      ? [{ batch: s.batch, seq: s.seq, ratio: Math.round((s.ms / (s.batch * one)) * 1000) / 1000 }]
      : []
  })
}
