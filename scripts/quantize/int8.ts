/**
 * Symmetric int8 weight quantization: q = round(w / scale), scale = max|w| / qmax,
 * zero point 0. The range is [-127, 127] (not -128) so that negating a value
 * never saturates, as ORT's own symmetric weight quantizer does.
 */

/** The largest weight magnitude of full-range int8 weights. */
export const INT8_MAX = 127

/**
 * The largest weight magnitude of 7-bit weights (ORT's `reduce_range`). x86
 * kernels without VNNI add pairs of u8 x s8 products into a saturating int16;
 * with |q| <= 63 no pair can reach the int16 limit, so every CPU computes the
 * same integers.
 */
export const INT7_MAX = 63

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

/**
 * Quantizes a row-major [rows, cols] matrix. `granularity` picks one scale for
 * the tensor, one per column (a MatMul weight [K, N]: one per output channel)
 * or one per row (an embedding table: one per token). `qmax` bounds |q|.
 */
export function quantizeInt8(
  w: Float32Array,
  rows: number,
  cols: number,
  granularity: 'tensor' | 'column' | 'row',
  qmax: number = INT8_MAX,
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
  const scales = absMax.map((a) => (a === 0 ? 1 : a / qmax))
  const q = new Int8Array(rows * cols)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c
      const v = roundHalfEven((w[i] ?? 0) / (scales[group(r, c)] ?? 1))
      q[i] = Math.max(-qmax, Math.min(qmax, v))
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
