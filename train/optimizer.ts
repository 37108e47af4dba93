import * as tf from '@tensorflow/tfjs'

/**
 * AdamW (decoupled weight decay, bias-corrected) with global-norm gradient
 * clipping. Hand-written rather than tf.train.adam so its state is plain named
 * tensors that a checkpoint can save and restore by parameter name.
 */

/** Hyper-parameters. */
export interface AdamWOptions {
  beta1: number
  beta2: number
  epsilon: number
  weightDecay: number
  /** global L2 norm the gradients are scaled down to (0: no clipping) */
  clipNorm: number
}

export const DEFAULT_ADAMW: AdamWOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-6, weightDecay: 0.01, clipNorm: 1 }

/** Moment estimates by parameter name, and the number of updates applied. */
export interface AdamWState {
  step: number
  m: Map<string, tf.Variable>
  v: Map<string, tf.Variable>
}

/** Fresh zero moments for the given parameters. */
export function initAdamW(params: ReadonlyMap<string, tf.Variable>): AdamWState {
  const zeros = (p: tf.Variable): tf.Variable => tf.variable(tf.zerosLike(p), false)
  return { step: 0, m: new Map([...params].map(([n, p]) => [n, zeros(p)])), v: new Map([...params].map(([n, p]) => [n, zeros(p)])) }
}

/** Biases and LayerNorm parameters get no weight decay (as in BERT/ELECTRA fine-tuning). */
export const decays = (name: string): boolean => !name.endsWith('.bias') && !name.includes('LayerNorm') && !name.includes('layer_norm')

/**
 * One update. Returns the pre-clipping global gradient norm. Gradients are
 * consumed (disposed).
 */
export function adamWStep(
  params: ReadonlyMap<string, tf.Variable>,
  grads: Record<string, tf.Tensor>,
  state: AdamWState,
  lr: number,
  o: AdamWOptions,
): number {
  const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))))).dataSync()[0] ?? 0
  const scale = o.clipNorm > 0 && norm > o.clipNorm ? o.clipNorm / norm : 1
  state.step++
  const c1 = 1 - o.beta1 ** state.step
  const c2 = 1 - o.beta2 ** state.step
  for (const [name, p] of params) {
    const g = grads[name]
    const m = state.m.get(name)
    const v = state.v.get(name)
    if (g === undefined || m === undefined || v === undefined) continue
    tf.tidy(() => {
      const gs = scale === 1 ? g : tf.mul(g, scale)
      m.assign(tf.add(tf.mul(m, o.beta1), tf.mul(gs, 1 - o.beta1)))
      v.assign(tf.add(tf.mul(v, o.beta2), tf.mul(tf.square(gs), 1 - o.beta2)))
      let update: tf.Tensor = tf.div(tf.mul(m, 1 / c1), tf.add(tf.sqrt(tf.mul(v, 1 / c2)), o.epsilon))
      if (o.weightDecay > 0 && decays(name)) update = tf.add(update, tf.mul(p, o.weightDecay))
      p.assign(tf.sub(p, tf.mul(update, lr)))
    })
  }
  for (const g of Object.values(grads)) g.dispose()
  return norm
}

/** Linear warm-up to `peak` over `warmup` steps, then linear decay to 0 at `total`. */
export function learningRate(step: number, peak: number, warmup: number, total: number): number {
  if (step < warmup) return (peak * (step + 1)) / warmup
  return peak * Math.max(0, (total - step) / Math.max(1, total - warmup))
}

/**
 * One optimizer step over a batch run as micro-batches (the wasm heap caps
 * activations): each part's loss, already weighted by its share of the
 * batch, is differentiated and its gradients summed, then AdamW steps once.
 * Returns the batch loss and the global gradient norm before clipping.
 */
export async function microBatchStep(
  params: ReadonlyMap<string, tf.Variable>,
  parts: ReadonlyArray<() => tf.Scalar>,
  state: AdamWState,
  lr: number,
  step: number,
): Promise<{ loss: number; gnorm: number }> {
  const vars = [...params.values()]
  const names = [...params.keys()]
  const named: Record<string, tf.Tensor> = {}
  let loss = 0
  for (const part of parts) {
    const { value, grads } = tf.variableGrads(part, vars)
    for (const [i, v] of vars.entries()) {
      const g = grads[v.name]
      const name = names[i] ?? v.name
      if (g === undefined) continue
      const sum = named[name]
      if (sum === undefined) named[name] = g
      else {
        named[name] = tf.add(sum, g)
        sum.dispose()
        g.dispose()
      }
    }
    loss += (await value.data())[0] ?? NaN
    value.dispose()
  }
  const gnorm = adamWStep(params, named, state, lr, DEFAULT_ADAMW)
  if (!Number.isFinite(loss)) throw new Error(`loss is ${loss} at step ${step}; lower --lr and resume from the last checkpoint`)
  return { loss, gnorm }
}

/**
 * The bookkeeping of one training loop's steps, for fine-tuning and
 * pre-training alike: the mean training loss since the last evaluation, the
 * seconds spent stepping (kept in `state`, so a resumed run adds to them),
 * and a progress line every 10 steps.
 */
export class StepMeter {
  #lossSum = 0
  #lossCount = 0
  #mark = performance.now()
  readonly #stepsPerEpoch: number
  readonly #log: (line: string) => void

  constructor(stepsPerEpoch: number, log: (line: string) => void) {
    this.#stepsPerEpoch = stepsPerEpoch
    this.#log = log
  }

  /** Counts one finished step of `state`. */
  step(state: { step: number; totalSteps: number; elapsedSeconds: number }, loss: number, gnorm: number, lr: number): void {
    state.step++
    this.#lossSum += loss
    this.#lossCount++
    const now = performance.now()
    state.elapsedSeconds += (now - this.#mark) / 1000
    this.#mark = now
    if (state.step % 10 === 0) {
      const mean = (this.#lossSum / this.#lossCount).toFixed(4)
      const epoch = (state.step / this.#stepsPerEpoch).toFixed(2)
      this.#log(
        `step ${state.step}/${state.totalSteps} epoch ${epoch} loss ${mean} lr ${lr.toExponential(2)} gnorm ${gnorm.toFixed(2)} ${(state.elapsedSeconds / 60).toFixed(1)} min`,
      )
    }
  }

  /** The mean training loss since the last call, starting a new mean. */
  takeLoss(): number {
    const mean = this.#lossSum / Math.max(1, this.#lossCount)
    this.#lossSum = 0
    this.#lossCount = 0
    return mean
  }

  /** Leaves time spent outside the steps (evaluation, checkpoints) out of the step time. */
  restartClock(): void {
    this.#mark = performance.now()
  }
}
