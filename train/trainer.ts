import * as tf from '@tensorflow/tfjs'
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { configJson } from '../scripts/checkpoint/generate.ts'
import { readSafetensors, type WritableTensor, writeSafetensors } from '../scripts/convert/safetensors.ts'
import { type Encoded, makeBatch, type Viewed } from './batches.ts'
import { type Distillation, type DistillRecord, distillLoss, type TeacherTargets } from './distill.ts'
import { shuffled } from './data.ts'
import { mulberry32 } from '../scripts/checkpoint/random.ts'
import { exportTensors, forward, type Model } from './model.ts'
import { type AdamWState, learningRate, microBatchStep, StepMeter } from './optimizer.ts'
import type { TrainPreset } from './presets.ts'
import type { HfConfig } from '../scripts/convert/config.ts'

/**
 * The fine-tuning loop: seeded epoch order, AdamW with warm-up and linear
 * decay, validation every `evalEvery` steps, a resumable checkpoint after
 * every validation, and the best-validation weights kept in HF layout.
 */

/** Selects the tfjs wasm backend (once per process). */
export async function useWasm(): Promise<void> {
  if (tf.getBackend() !== 'wasm') {
    // One thread: training shares a small machine (tfjs-wasm is single-threaded under Node today; this keeps it so).
    setThreadsCount(1)
    await tf.setBackend('wasm')
    await tf.ready()
  }
}

/** Classification counts and derived metrics (spam = positive class). */
export interface Metrics {
  n: number
  loss: number
  accuracy: number
  precision: number
  recall: number
  f1: number
  tp: number
  fp: number
  tn: number
  fn: number
}

/** Metrics from labels and per-example 2-class logits. */
export function metricsOf(labels: ArrayLike<number>, logits: ArrayLike<number>[]): Metrics {
  let tp = 0,
    fp = 0,
    tn = 0,
    fn = 0,
    loss = 0
  for (let i = 0; i < labels.length; i++) {
    const row = logits[i] ?? []
    const a = row[0] ?? 0
    const b = row[1] ?? 0
    const pred = b > a ? 1 : 0
    const y = labels[i] ?? 0
    const max = Math.max(a, b)
    loss += Math.log(Math.exp(a - max) + Math.exp(b - max)) + max - (y === 1 ? b : a)
    if (pred === 1 && y === 1) tp++
    else if (pred === 1) fp++
    else if (y === 1) fn++
    else tn++
  }
  const n = labels.length
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp)
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn)
  return {
    n,
    loss: n === 0 ? 0 : loss / n,
    accuracy: n === 0 ? 0 : (tp + tn) / n,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    tp,
    fp,
    tn,
    fn,
  }
}

/**
 * Examples per inference pass for sequences of `seq` tokens: 32 at 128 tokens
 * and fewer beyond, so the per-layer attention scores (batch x heads x seq²)
 * never outgrow what fits at 32 x 128; 32 x 256 aborts the wasm heap for
 * ELECTRA-small's 12 layers.
 */
export const predictBatchSize = (seq: number): number => Math.max(1, Math.min(32, Math.floor((32 * 128 * 128) / Math.max(seq, 1) ** 2)))

/** Logits of a trained model for encoded examples (no dropout), in batches. */
export async function predict(
  model: Model,
  items: readonly Encoded[],
  padId: number,
  batchSize = predictBatchSize(items.reduce((m, e) => Math.max(m, e.ids.length), 0)),
): Promise<number[][]> {
  const out: number[][] = []
  for (let i = 0; i < items.length; i += batchSize) {
    const batch = makeBatch(items.slice(i, i + batchSize), padId)
    const logits = tf.tidy(() => forward(model, batch, false))
    out.push(...((await logits.array()) as number[][]))
    logits.dispose()
  }
  return out
}

/** Evaluates on encoded examples. */
export async function evaluate(model: Model, items: readonly Encoded[], padId: number): Promise<Metrics> {
  return metricsOf(
    items.map((e) => e.label),
    await predict(model, items, padId),
  )
}

/** Progress persisted beside the checkpoint. */
export interface TrainState {
  step: number
  totalSteps: number
  seed: number
  elapsedSeconds: number
  best: ({ step: number } & Validated) | null
  history: Array<{ step: number; epoch: number; trainLoss: number; elapsedSeconds: number } & Validated>
  /** the starting weights' validation (runs with --eval-at-start): what an adoption rule compares against */
  initial?: Validated
  /** a soup's folder (train/soup.ts): the checkpoints averaged into best/, which no step of its own trained */
  soup?: string[]
  /** a distilled run (train/distill.ts): its teacher and how its targets were mixed */
  distill?: DistillRecord
}

/** One evaluation: the validation split whole, and in views runs its short views and the generated messages. */
export interface Validated {
  validation: Metrics
  views?: Metrics
  generated?: Metrics
}

/**
 * The selection score of an evaluation: the mean accuracy over the sets it
 * has (whole bodies, short views, generated messages), so a checkpoint is
 * chosen for the corpus task, short texts and today's kinds of message alike.
 */
export const selectionScore = (v: Validated): number => {
  const sets = scoredSets(v)
  return sets.reduce((sum, s) => sum + s.metrics.accuracy, 0) / sets.length
}

/** What a run validates on: the validation split whole, and in views runs its short views and the generated messages. */
export interface ValidationSets {
  validation: readonly Encoded[]
  views?: readonly Encoded[]
  generated?: readonly Encoded[]
}

/** The names of the sets beside the validation split, in the order they are scored. */
export const extraSets = (sets: ValidationSets): Array<{ name: 'views' | 'generated'; set: readonly Encoded[] }> =>
  (['views', 'generated'] as const).flatMap((name) => {
    const set = sets[name]
    return set === undefined ? [] : [{ name, set }]
  })

/** Scores every set in one call (one export serves them all) and names the results. */
export async function validateOn(
  sets: ValidationSets,
  score: (sets: readonly (readonly Encoded[])[]) => Promise<Metrics[]>,
): Promise<Validated> {
  const extras = extraSets(sets)
  const [validation, ...rest] = await score([sets.validation, ...extras.map((x) => x.set)])
  if (validation === undefined || rest.length !== extras.length)
    throw new Error(
      `validateOn: the scorer returned ${rest.length + (validation === undefined ? 0 : 1)} results for ${extras.length + 1} sets`,
    )
  const out: Validated = { validation }
  extras.forEach((x, i) => {
    const m = rest[i]
    if (m !== undefined) out[x.name] = m
  })
  return out
}

/** The sets an evaluation has, in the order they are scored. */
const scoredSets = (v: Validated): Array<{ name: keyof Validated; metrics: Metrics }> =>
  (['validation', 'views', 'generated'] as const).flatMap((name) => {
    const metrics = v[name]
    return metrics === undefined ? [] : [{ name, metrics }]
  })

/** Where a run keeps its files. */
export const runFiles = (dir: string) => ({
  checkpoint: join(dir, 'checkpoint.safetensors'),
  state: join(dir, 'state.json'),
  best: join(dir, 'best'),
  log: join(dir, 'train.log'),
})

/** Writes via a temporary file and a rename, so a killed run never leaves half a file. */
export async function atomicWrite(path: string, data: Uint8Array | string): Promise<void> {
  await writeFile(`${path}.tmp`, data)
  await rename(`${path}.tmp`, path)
}

/** Writes parameters and optimizer moments (F32), then the state file (any JSON state with a step). */
export async function saveCheckpoint(dir: string, model: Model, opt: AdamWState, state: { step: number }): Promise<void> {
  const tensors: Record<string, WritableTensor> = {}
  for (const [prefix, map] of [
    ['p', model.params],
    ['m', opt.m],
    ['v', opt.v],
  ] as const) {
    for (const [name, t] of map) tensors[`${prefix}/${name}`] = { dtype: 'F32', shape: t.shape, data: (await t.data()) as Float32Array }
  }
  const files = runFiles(dir)
  await atomicWrite(files.checkpoint, writeSafetensors(tensors, { step: String(state.step) }))
  await atomicWrite(files.state, `${JSON.stringify({ ...state, optimizerStep: opt.step }, null, 1)}\n`)
}

/** Restores a checkpoint into the model and optimizer; returns the state, or null when there is none. */
export async function loadCheckpoint<S extends { step: number } = TrainState>(
  dir: string,
  model: Model,
  opt: AdamWState,
): Promise<S | null> {
  const files = runFiles(dir)
  if (!existsSync(files.state) || !existsSync(files.checkpoint)) return null
  const st = readSafetensors(await readFile(files.checkpoint), files.checkpoint)
  for (const [prefix, map] of [
    ['p', model.params],
    ['m', opt.m],
    ['v', opt.v],
  ] as const) {
    for (const [name, t] of map) {
      const saved = st.tensors.get(`${prefix}/${name}`)
      if (saved === undefined || !(saved.data instanceof Float32Array) || saved.data.length !== t.size) {
        throw new Error(
          `${files.checkpoint} does not match this model (${prefix}/${name}); start a fresh run with --fresh or another --out`,
        )
      }
      t.assign(tf.tensor(saved.data, t.shape))
    }
  }
  const state = JSON.parse(await readFile(files.state, 'utf8')) as S & { optimizerStep: number }
  opt.step = state.optimizerStep
  return state
}

/** Writes the model as a Hugging Face checkpoint folder (config.json + model.safetensors). */
export async function saveHfCheckpoint(
  dir: string,
  model: Model,
  dtype: 'F32' | 'F16',
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeHfCheckpoint(dir, model.config, Object.entries(await exportTensors(model)), dtype, metadata)
}

/** Writes float tensors in the HF layout as a checkpoint folder of `config`, stored as `dtype`. */
export async function writeHfCheckpoint(
  dir: string,
  config: HfConfig,
  tensors: Iterable<readonly [string, { shape: readonly number[]; data: Float32Array }]>,
  dtype: 'F32' | 'F16',
  metadata: Record<string, string> = {},
): Promise<void> {
  const out: Record<string, WritableTensor> = {}
  for (const [name, t] of tensors) out[name] = { dtype, shape: [...t.shape], data: t.data }
  await mkdir(dir, { recursive: true })
  await atomicWrite(join(dir, 'model.safetensors'), writeSafetensors(out, { format: 'pt', ...metadata }))
  await atomicWrite(join(dir, 'config.json'), configJson({ ...config, torch_dtype: dtype === 'F16' ? 'float16' : 'float32' }))
}

/** Options of one run. */
export interface RunOptions {
  preset: TrainPreset
  model: Model
  opt: AdamWState
  train: Encoded[]
  validation: Encoded[]
  padId: number
  dir: string
  seed: number
  /** stop after this many steps in this process (smoke runs, tests) */
  maxSteps?: number
  /**
   * Replaces a batch (indices into `train`, in epoch order) with views of it
   * (train/views.ts); drawn from the step, so a resumed run sees the same batches.
   */
  views?: (indices: readonly number[], step: number) => Viewed[]
  /** a teacher's soft targets mixed into the loss (needs views: the teacher reads each row's text) */
  distill?: Distillation & { targets: TeacherTargets }
  /** short views of the validation split, scored beside it (selection: {@link selectionScore}) */
  validationViews?: Encoded[]
  /** generated messages at a fixed seed (train/view-batches.ts), scored beside it likewise */
  generatedValidation?: Encoded[]
  /** evaluate the starting weights before the first step */
  evalAtStart?: boolean
  /**
   * Scores the model on several sets at once (default: {@link evaluate} on each, in tfjs); the CLI passes
   * an ONNX scorer, several times faster on long inputs than tfjs-wasm's forward pass.
   */
  score?: (model: Model, sets: readonly (readonly Encoded[])[]) => Promise<Metrics[]>
  log: (line: string) => void
}

/**
 * Trains from the current state to `totalSteps` (or `maxSteps` more), then
 * returns the state. Resumes at `state.step` with the same epoch order.
 */
export async function trainLoop(o: RunOptions, state: TrainState): Promise<TrainState> {
  const { preset, model, opt } = o
  if (o.distill !== undefined && o.views === undefined)
    throw new Error('trainLoop: distillation needs views, whose rows carry the text a teacher reads (--views)')
  const stepsPerEpoch = Math.floor(o.train.length / preset.batchSize)
  let order: number[] = []
  let orderEpoch = -1
  const meter = new StepMeter(stepsPerEpoch, o.log)
  const stopAt = Math.min(state.totalSteps, o.maxSteps === undefined ? Infinity : state.step + o.maxSteps)
  const score =
    o.score ??
    (async (m: Model, sets: readonly (readonly Encoded[])[]) => {
      const out: Metrics[] = []
      for (const set of sets) out.push(await evaluate(m, set, o.padId))
      return out
    })
  const sets: ValidationSets = {
    validation: o.validation,
    ...(o.validationViews === undefined ? {} : { views: o.validationViews }),
    ...(o.generatedValidation === undefined ? {} : { generated: o.generatedValidation }),
  }
  const extras = extraSets(sets)
  const validate = (): Promise<Validated> => validateOn(sets, (s) => score(model, s))
  const figures = (name: string, m: Metrics | undefined): string =>
    m === undefined ? '' : ` ${name}_loss ${m.loss.toFixed(4)} ${name}_acc ${(m.accuracy * 100).toFixed(2)}% ${name}_f1 ${m.f1.toFixed(4)}`
  const describe = (v: Validated): string =>
    `val_loss ${v.validation.loss.toFixed(4)} val_acc ${(v.validation.accuracy * 100).toFixed(2)}% val_f1 ${v.validation.f1.toFixed(4)}` +
    figures('views', v.views) +
    figures('gen', v.generated)
  const setsOf = (v: Validated): string =>
    scoredSets(v)
      .map((x) => x.name)
      .join(', ')
  const scoring = ['validation', ...extras.map((x) => x.name)].join(', ')
  // a best checkpoint chosen on other sets would be compared on a different mean
  if (state.best !== null && setsOf(state.best) !== scoring)
    throw new Error(
      `trainLoop: ${o.dir} chose its best checkpoint on ${setsOf(state.best)}; this run scores ${scoring}. ` +
        'Resume it with the options it was started with, or start afresh (--fresh, or another --out).',
    )
  if (o.evalAtStart === true && state.step === 0 && state.initial === undefined) {
    state.initial = await validate()
    o.log(`eval start ${describe(state.initial)}`)
    meter.restartClock()
  }
  const indices = o.train.map((_, i) => i)
  while (state.step < stopAt) {
    const epoch = Math.floor(state.step / stepsPerEpoch)
    if (epoch !== orderEpoch) {
      order = shuffled(indices, mulberry32(o.seed * 1000 + epoch))
      orderEpoch = epoch
    }
    const at = (state.step % stepsPerEpoch) * preset.batchSize
    const picked = order.slice(at, at + preset.batchSize)
    const viewed = o.views?.(picked, state.step)
    const items = viewed ?? picked.map((i) => o.train[i] as Encoded)
    const targets = o.distill === undefined || viewed === undefined ? undefined : await o.distill.targets(viewed)
    const batch = makeBatch(items, o.padId)
    const lr = learningRate(state.step, preset.peakLr, preset.warmupSteps, state.totalSteps)
    // Gradients are summed over micro-batches (wasm memory caps activations), weighted by their share;
    // the micro-batch is sized for maxLength tokens and grows as a batch's sequences shrink.
    const base = Math.min(preset.microBatch ?? preset.batchSize, preset.batchSize)
    const micro = Math.min(preset.batchSize, base * Math.max(1, Math.floor(preset.maxLength / batch.seq)))
    const parts: Array<() => tf.Scalar> = []
    for (let m0 = 0; m0 < batch.batch; m0 += micro) {
      const part = makeBatch(items.slice(m0, Math.min(m0 + micro, batch.batch)), o.padId)
      const weight = part.batch / batch.batch
      const labels = Array.from(part.labels)
      const soft = o.distill === undefined || targets === undefined ? undefined : { ...o.distill, rows: targets.slice(m0, m0 + part.batch) }
      parts.push(() => {
        const logits = forward(model, part, true)
        const loss =
          soft === undefined
            ? tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), 2), logits)
            : distillLoss(logits, labels, soft.rows, soft)
        return tf.mul(loss, weight) as tf.Scalar
      })
    }
    const { loss, gnorm } = await microBatchStep(model.params, parts, opt, lr, state.step)
    meter.step(state, loss, gnorm, lr)
    if (state.step % preset.evalEvery === 0 || state.step === state.totalSteps) {
      const result = await validate()
      const trainLoss = meter.takeLoss()
      state.history.push({
        step: state.step,
        epoch: state.step / stepsPerEpoch,
        trainLoss,
        ...result,
        elapsedSeconds: state.elapsedSeconds,
      })
      const score = selectionScore(result)
      const bestScore = state.best === null ? -1 : selectionScore(state.best)
      const lossOf = (r: Validated): number => scoredSets(r).reduce((sum, x) => sum + x.metrics.loss, 0)
      const better = state.best === null || score > bestScore || (score === bestScore && lossOf(result) < lossOf(state.best))
      if (better) {
        state.best = { step: state.step, ...result }
        await saveHfCheckpoint(runFiles(o.dir).best, model, 'F32', { step: String(state.step) })
      }
      await saveCheckpoint(o.dir, model, opt, state)
      o.log(
        `eval step ${state.step} train_loss ${trainLoss.toFixed(4)} ${describe(result)}${better ? ' (best, saved)' : ''} checkpoint saved`,
      )
      meter.restartClock()
    }
  }
  return state
}
