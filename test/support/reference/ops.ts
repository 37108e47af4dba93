/**
 * Plain Float64 building blocks for the reference forward passes. They work on
 * one sequence at a time: a hidden state is an array of token vectors.
 * Written from the definitions (transformers' activations.py, nn.LayerNorm,
 * nn.Linear), independently of the ONNX graph builder.
 */

export type Vec = Float64Array
/** Checkpoint tensors by HF name (row-major float data). */
export type Tensors = ReadonlyMap<string, Float32Array>

export function get(tensors: Tensors, name: string): Float32Array {
  const t = tensors.get(name)
  if (!t) throw new Error(`reference: checkpoint has no ${name}`)
  return t
}

/** erf to ~1e-15: Taylor series below 3, continued fraction for erfc above. */
export function erf(x: number): number {
  const ax = Math.abs(x)
  if (ax < 3) {
    let term = x
    let sum = x
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n
      const add = term / (2 * n + 1)
      sum += add
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break
    }
    return (2 / Math.sqrt(Math.PI)) * sum
  }
  if (ax > 27) return Math.sign(x)
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated backwards.
  let f = ax
  for (let k = 120; k >= 1; k--) f = ax + k / 2 / f
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f
  return Math.sign(x) * (1 - erfc)
}

/** ACT2FN: 'gelu' = x Phi(x) (erf), 'gelu_new' = tanh approximation. */
export function act(name: string): (x: number) => number {
  switch (name) {
    case 'gelu':
      return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2))
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast':
      return (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))
    case 'relu':
      return (x) => Math.max(0, x)
    case 'tanh':
      return Math.tanh
    default:
      throw new Error(`reference: no activation ${name}`)
  }
}

/** nn.Linear with torch's [out, in] weight: y = W x + b. */
export function linear(x: Vec, tensors: Tensors, module: string): Vec {
  const w = get(tensors, `${module}.weight`)
  const b = get(tensors, `${module}.bias`)
  const out = b.length
  const inF = x.length
  if (w.length !== out * inF) throw new Error(`reference: ${module} expects ${w.length / out} inputs, got ${inF}`)
  const y = new Float64Array(out)
  for (let o = 0; o < out; o++) {
    let s = b[o] ?? 0
    for (let i = 0; i < inF; i++) s += (w[o * inF + i] ?? 0) * (x[i] ?? 0)
    y[o] = s
  }
  return y
}

/** nn.LayerNorm over the vector (biased variance, eps inside the sqrt). */
export function layerNorm(x: Vec, tensors: Tensors, module: string, eps: number): Vec {
  const gamma = get(tensors, `${module}.weight`)
  const beta = get(tensors, `${module}.bias`)
  const n = x.length
  const mean = x.reduce((a, b) => a + b, 0) / n
  const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / n
  const inv = 1 / Math.sqrt(variance + eps)
  return x.map((v, i) => (v - mean) * inv * (gamma[i] ?? 0) + (beta[i] ?? 0))
}

export const add = (a: Vec, b: Vec): Vec => a.map((v, i) => v + (b[i] ?? 0))

/** Row `i` of an [rows, dim] embedding table. */
export function row(table: Float32Array, i: number, dim: number): Vec {
  if ((i + 1) * dim > table.length || i < 0) throw new Error(`reference: embedding index ${i} out of range`)
  return Float64Array.from(table.subarray(i * dim, (i + 1) * dim))
}

/** One encoded sequence (ids as numbers). */
export interface RefInput {
  input_ids: number[]
  attention_mask: number[]
  token_type_ids: number[]
}

/** Embeddings: word + token_type + position -> LayerNorm. */
export function embed(tensors: Tensors, prefix: string, input: RefInput, dim: number, eps: number): Vec[] {
  return input.input_ids.map((id, t) => {
    const sum = add(
      add(
        row(get(tensors, `${prefix}.word_embeddings.weight`), id, dim),
        row(get(tensors, `${prefix}.token_type_embeddings.weight`), input.token_type_ids[t] ?? 0, dim),
      ),
      row(get(tensors, `${prefix}.position_embeddings.weight`), t, dim),
    )
    return layerNorm(sum, tensors, `${prefix}.LayerNorm`, eps)
  })
}

/**
 * Multi-head self-attention for one sequence: masked keys get
 * (1 - mask) * finfo(float32).min added to their score, as HF's extended mask.
 * Returns the concatenated context vectors (before the output dense).
 */
export function attention(
  h: Vec[],
  mask: number[],
  tensors: Tensors,
  names: { query: string; key: string; value: string },
  heads: number,
): Vec[] {
  const q = h.map((x) => linear(x, tensors, names.query))
  const k = h.map((x) => linear(x, tensors, names.key))
  const v = h.map((x) => linear(x, tensors, names.value))
  const H = h[0]?.length ?? 0
  const hs = H / heads
  const T = h.length
  return h.map((_, i) => {
    const ctx = new Float64Array(H)
    for (let head = 0; head < heads; head++) {
      const scores = new Float64Array(T)
      for (let j = 0; j < T; j++) {
        let s = 0
        for (let d = 0; d < hs; d++) s += (q[i]?.[head * hs + d] ?? 0) * (k[j]?.[head * hs + d] ?? 0)
        scores[j] = s / Math.sqrt(hs) + (1 - (mask[j] ?? 0)) * -3.4028234663852886e38
      }
      const max = Math.max(...scores)
      const e = scores.map((s) => Math.exp(s - max))
      const z = e.reduce((a, b) => a + b, 0)
      for (let j = 0; j < T; j++) {
        const p = (e[j] ?? 0) / z
        for (let d = 0; d < hs; d++) ctx[head * hs + d] = (ctx[head * hs + d] ?? 0) + p * (v[j]?.[head * hs + d] ?? 0)
      }
    }
    return ctx
  })
}
