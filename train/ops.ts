import * as tf from '@tensorflow/tfjs'

/**
 * Building blocks with hand-written gradients, because the wasm backend is
 * fast only for plain untransposed 2-D matmuls and has no Gather gradient
 * kernel. Every matmul here, forward or backward, is `matMul(a, b)` on
 * materialised (transposed-then-copied) operands.
 */

/** What a custom-gradient body returns. */
interface GradResult {
  value: tf.Tensor
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[]
}

/** tf.customGrad for one input, typed (tfjs types the body as variadic). */
function customGrad1(body: (x: tf.Tensor, save: tf.GradSaveFunc) => GradResult): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => body(args[0] as tf.Tensor, args[1] as tf.GradSaveFunc))
}

/** tf.customGrad for two inputs, typed. */
function customGrad2(body: (a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => GradResult): (a: tf.Tensor, b: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) =>
    body(args[0] as tf.Tensor, args[1] as tf.Tensor, args[2] as tf.GradSaveFunc),
  )
}

/** x [N, in] @ w [in, out] with a gradient made of untransposed matmuls. */
export const matMul2d = customGrad2((x, w, save) => {
  save([x, w])
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D]
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy as tf.Tensor2D)]
    },
  }
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D

/** a [G, M, K] @ b [G, K, N] per group, gradients without transposed-matmul flags. */
export const batchMatMul = customGrad2((a, b, save) => {
  save([a, b])
  return {
    value: tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [as, bs] = saved as [tf.Tensor3D, tf.Tensor3D]
      return [tf.matMul(dy as tf.Tensor3D, tf.transpose(bs, [0, 2, 1])), tf.matMul(tf.transpose(as, [0, 2, 1]), dy as tf.Tensor3D)]
    },
  }
}) as (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D

/**
 * Rows of `table` [V, E] at `ids` (int32, [N]) -> [N, E]. The gradient is a
 * ScatterNd (duplicate ids sum), since wasm lacks Gather's gradient kernel.
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const lookup = customGrad1((t, save) => {
    // Saved, not closed over: unsaved intermediates are disposed before the backward pass.
    save([ids])
    return {
      value: tf.gather(t, ids),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.scatterND(tf.expandDims(saved[0] as tf.Tensor1D, 1), dy, t.shape),
    }
  }) as (t: tf.Tensor2D) => tf.Tensor2D
  return lookup(table)
}

/** LayerNorm over the last axis. */
export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor2D {
  const mean = tf.mean(x, -1, true)
  const centered = tf.sub(x, mean)
  const variance = tf.mean(tf.square(centered), -1, true)
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), gamma), beta)
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI)

/**
 * Exact GELU, x * Phi(x), with its derivative Phi(x) + x * phi(x) written out:
 * autodiff through erf saves and replays a chain of full-size temporaries
 * that cost as much as the FFN matmuls on wasm.
 */
export const geluErf = customGrad1((x, save) => {
  const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1), 0.5)
  save([x, cdf])
  return {
    value: tf.mul(x, cdf),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, c] = saved as [tf.Tensor, tf.Tensor]
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(xs), -0.5)), 1 / Math.sqrt(2 * Math.PI))
      return tf.mul(dy, tf.add(c, tf.mul(xs, pdf)))
    },
  }
}) as (x: tf.Tensor2D) => tf.Tensor2D

/** Tanh-approximated GELU (gelu_new) with its derivative written out. */
export const geluTanh = customGrad1((x, save) => {
  const t = tf.tanh(tf.mul(tf.add(x, tf.mul(tf.mul(tf.square(x), x), 0.044715)), SQRT_2_OVER_PI))
  save([x, t])
  return {
    value: tf.mul(tf.mul(x, 0.5), tf.add(t, 1)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ts] = saved as [tf.Tensor, tf.Tensor]
      // d/dx 0.5x(1+t) = 0.5(1+t) + 0.5x(1-t^2) * sqrt(2/pi)(1 + 3*0.044715x^2)
      const inner = tf.mul(tf.add(tf.mul(tf.square(xs), 3 * 0.044715), 1), SQRT_2_OVER_PI)
      const dt = tf.mul(tf.mul(tf.mul(xs, 0.5), tf.sub(1, tf.square(ts))), inner)
      return tf.mul(dy, tf.add(tf.mul(tf.add(ts, 1), 0.5), dt))
    },
  }
}) as (x: tf.Tensor2D) => tf.Tensor2D

/** transformers' ACT2FN: 'gelu' is the exact erf form, 'gelu_new' the tanh approximation. */
export function activation(x: tf.Tensor2D, name: string): tf.Tensor2D {
  if (name === 'gelu') return geluErf(x)
  if (name === 'gelu_new' || name === 'gelu_pytorch_tanh') return geluTanh(x)
  if (name === 'relu') return tf.relu(x)
  if (name === 'tanh') return tf.tanh(x)
  throw new Error(`activation "${name}" is not implemented in the trainer; use gelu, gelu_new, relu or tanh`)
}

/** Inverted dropout (identity when rate is 0 or not training). */
export function dropout<T extends tf.Tensor>(x: T, rate: number, training: boolean): T {
  return training && rate > 0 ? (tf.dropout(x, rate) as T) : x
}
