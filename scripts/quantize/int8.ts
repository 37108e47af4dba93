/**
 * Symmetric int8 weight quantization: q = round(w / scale), scale = max|w| / 127,
 * zero point 0. The range is [-127, 127] (not -128) so that negating a value
 * never saturates, as ORT's own symmetric weight quantizer does.
 */

export interface Int8Weights {
  q: Int8Array
  /** one scale per tensor, per column or per row (see `axis`) */
  scales: Float32Array
}

/** Rounds half to even, like numpy.rint and ORT's QuantizeLinear. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x)
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r
}

const scaleFor = (absMax: number): number => (absMax === 0 ? 1 : absMax / 127)

/**
 * Quantizes a row-major [rows, cols] matrix. `granularity` picks one scale for
 * the tensor, one per column (a MatMul weight [K, N]: one per output channel)
 * or one per row (an embedding table: one per token).
 */
export function quantizeInt8(
  w: Float32Array,
  rows: number,
  cols: number,
  granularity: 'tensor' | 'column' | 'row',
): Int8Weights {
  const groups = granularity === 'tensor' ? 1 : granularity === 'column' ? cols : rows
  const group = (r: number, c: number): number => (granularity === 'tensor' ? 0 : granularity === 'column' ? c : r)
  const absMax = new Float32Array(groups)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const g = group(r, c)
      const a = Math.abs(w[r * cols + c] ?? 0)
      if (a > (absMax[g] ?? 0)) absMax[g] = a
    }
  }
  const scales = absMax.map(scaleFor)
  const q = new Int8Array(rows * cols)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c
      const v = roundHalfEven((w[i] ?? 0) / (scales[group(r, c)] ?? 1))
      q[i] = Math.max(-127, Math.min(127, v))
    }
  }
  return { q, scales }
}

/** Row-major transpose of a [rows, cols] matrix. */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length)
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c] ?? 0
  return out
}
