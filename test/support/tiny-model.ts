/**
 * Parameters and reference maths of the tiny ONNX classifier (tiny-onnx.ts
 * builds the graph in Node; this file is importable from workerd too).
 */

/** Gemm weight, [2, num_labels] row-major, and bias [num_labels]. */
export const TINY_WEIGHT = [0.01, -0.02, 0.005, -0.5, 0.75, 0.1] as const
export const TINY_BIAS = [0.1, -0.2, 0.3] as const
export const TINY_NUM_LABELS = 3

/** The logits the tiny graph computes for one row (reference implementation). */
export function tinyLogits(ids: readonly number[], mask: readonly number[], types: readonly number[]): number[] {
  let sumIds = 0
  let sumTypes = 0
  for (let t = 0; t < ids.length; t++) {
    sumIds += (ids[t] ?? 0) * (mask[t] ?? 0)
    sumTypes += (types[t] ?? 0) * (mask[t] ?? 0)
  }
  const out: number[] = []
  for (let j = 0; j < TINY_NUM_LABELS; j++) {
    out.push(sumIds * (TINY_WEIGHT[j] ?? 0) + sumTypes * (TINY_WEIGHT[TINY_NUM_LABELS + j] ?? 0) + (TINY_BIAS[j] ?? 0))
  }
  return out
}
