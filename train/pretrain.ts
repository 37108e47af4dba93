import * as tf from '@tensorflow/tfjs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { configJson } from '../scripts/checkpoint/generate.ts'
import { writeSafetensors, type WritableTensor } from '../scripts/convert/safetensors.ts'
import { mulberry32 } from '../scripts/checkpoint/random.ts'
import { shuffled } from './data.ts'
import { exportTensors, type Model } from './model.ts'
import { albertPretrainLoss, electraPretrainLoss, type PretrainOutput } from './pretrain-model.ts'
import { makePretrainBatch, type PretrainBatch, pretrainExample, type PretrainExample, type SpecialTokens } from './pretrain-data.ts'
import { type AdamWState, learningRate, microBatchStep, StepMeter } from './optimizer.ts'
import { atomicWrite, saveCheckpoint } from './trainer.ts'

/**
 * The pre-training loop: windows of the training bodies in a seeded epoch
 * order, masked afresh per step (seeded by step, so a resumed run sees what
 * an uninterrupted one would), AdamW with warm-up and linear decay, a
 * held-out evaluation and a resumable checkpoint every `evalEvery` steps,
 * and the weights in HF layout (`pretrained/`) for fine-tuning's --init.
 */

export type PretrainTask = 'mlm-sop' | 'rtd'

/** Progress persisted beside the checkpoint. */
export interface PretrainState {
  task: PretrainTask
  step: number
  totalSteps: number
  seed: number
  elapsedSeconds: number
  history: Array<{ step: number; epoch: number; trainLoss: number; eval: Record<string, number>; elapsedSeconds: number }>
}

/** Options of one pre-training run. */
export interface PretrainOptions {
  task: PretrainTask
  model: Model
  opt: AdamWState
  /** token windows of the training bodies */
  windows: number[][]
  /** held-out windows (from bodies not in `windows`) for the evaluation */
  heldOut: number[][]
  tokens: SpecialTokens
  batchSize: number
  /** examples per forward/backward pass (gradients summed to batchSize) */
  microBatch: number
  peakLr: number
  warmupSteps: number
  evalEvery: number
  dir: string
  seed: number
  maxSteps?: number
  log: (line: string) => void
}

/** The pre-training checkpoint folder (HF layout, F32, heads included) that fine-tuning's --init reads. */
export const pretrainedDir = (dir: string): string => join(dir, 'pretrained')

/** One batch's loss and named parts for the task. */
function taskLoss(task: PretrainTask, model: Model, batch: PretrainBatch, training: boolean, uniform: () => number): PretrainOutput {
  return task === 'mlm-sop' ? albertPretrainLoss(model, batch, training) : electraPretrainLoss(model, batch, training, uniform)
}

/** Masked examples for windows, deterministic in (seed, step). */
export function examplesFor(
  task: PretrainTask,
  windows: readonly number[][],
  tokens: SpecialTokens,
  seed: number,
  step: number,
): PretrainExample[] {
  const random = mulberry32((seed * 1_000_003 + step * 7919) >>> 0)
  return windows.map((w) => pretrainExample(w, task, tokens, random))
}

/**
 * Held-out figures with fixed masks: ALBERT mlm loss/accuracy and SOP
 * accuracy; ELECTRA generator loss/accuracy and discriminator accuracy over
 * all real tokens (and the share of replaced tokens).
 */
export async function evaluatePretrain(
  task: PretrainTask,
  model: Model,
  heldOut: readonly number[][],
  tokens: SpecialTokens,
  microBatch: number,
): Promise<Record<string, number>> {
  const items = examplesFor(task, heldOut, tokens, 0, 0)
  // a smoke run on a few bodies may hold none out
  if (items.length === 0) return {}
  const sums: Record<string, number> = {}
  let masked = 0
  let real = 0
  for (let i = 0; i < items.length; i += microBatch) {
    const batch = makePretrainBatch(items.slice(i, i + microBatch), tokens.pad)
    const uniform = mulberry32(i + 1)
    const parts = tf.tidy(() => taskLoss(task, model, batch, false, uniform).parts)
    for (const [name, t] of Object.entries(parts)) {
      const v = (await t.data())[0] ?? NaN
      // losses are means over the batch's rows: weight them back to sums
      const weight =
        name === 'sop'
          ? batch.batch
          : name === 'mlm' || name === 'generator'
            ? batch.positions.length
            : name === 'discriminator'
              ? batch.mask.reduce((a, b) => a + b, 0)
              : 1
      sums[name] = (sums[name] ?? 0) + v * weight
      t.dispose()
    }
    masked += batch.positions.length
    real += batch.mask.reduce((a, b) => a + b, 0)
  }
  const n = items.length
  return task === 'mlm-sop'
    ? {
        mlm_loss: (sums.mlm ?? 0) / masked,
        mlm_acc: (sums.mlm_hits ?? 0) / masked,
        sop_loss: (sums.sop ?? 0) / n,
        sop_acc: (sums.sop_hits ?? 0) / n,
      }
    : {
        gen_loss: (sums.generator ?? 0) / masked,
        gen_acc: (sums.gen_hits ?? 0) / masked,
        disc_loss: (sums.discriminator ?? 0) / real,
        disc_acc: (sums.disc_hits ?? 0) / real,
        replaced: (sums.replaced ?? 0) / real,
      }
}

/** Writes the pre-training weights as an HF folder (F32; heads included, under transformers' names). */
export async function savePretrained(dir: string, model: Model, task: PretrainTask, step: number): Promise<void> {
  const tensors = await exportTensors(model)
  const out: Record<string, WritableTensor> = {}
  for (const [name, t] of Object.entries(tensors)) out[name] = { dtype: 'F32', shape: t.shape, data: t.data }
  await mkdir(dir, { recursive: true })
  const architecture = task === 'mlm-sop' ? 'AlbertForPreTraining' : 'ElectraForPreTraining'
  await atomicWrite(join(dir, 'model.safetensors'), writeSafetensors(out, { format: 'pt', step: String(step), task }))
  await atomicWrite(join(dir, 'config.json'), configJson({ ...model.config, architectures: [architecture], torch_dtype: 'float32' }))
}

/** Trains from `state.step` to `totalSteps` (or `maxSteps` more); returns the state. */
export async function pretrainLoop(o: PretrainOptions, state: PretrainState): Promise<PretrainState> {
  const { model, opt } = o
  const stepsPerEpoch = Math.max(1, Math.floor(o.windows.length / o.batchSize))
  let order: number[][] = []
  let orderEpoch = -1
  const meter = new StepMeter(stepsPerEpoch, o.log)
  const stopAt = Math.min(state.totalSteps, o.maxSteps === undefined ? Infinity : state.step + o.maxSteps)
  while (state.step < stopAt) {
    const epoch = Math.floor(state.step / stepsPerEpoch)
    if (epoch !== orderEpoch) {
      order = shuffled(o.windows, mulberry32(o.seed * 1000 + epoch))
      orderEpoch = epoch
    }
    const at = (state.step % stepsPerEpoch) * o.batchSize
    const items = examplesFor(o.task, order.slice(at, at + o.batchSize), o.tokens, o.seed, state.step)
    const sampler = mulberry32((o.seed * 31 + state.step) >>> 0)
    const lr = learningRate(state.step, o.peakLr, o.warmupSteps, state.totalSteps)
    const parts: Array<() => tf.Scalar> = []
    for (let m0 = 0; m0 < items.length; m0 += o.microBatch) {
      const part = makePretrainBatch(items.slice(m0, m0 + o.microBatch), o.tokens.pad)
      const weight = part.batch / items.length
      parts.push(() => tf.mul(taskLoss(o.task, model, part, true, sampler).loss, weight) as tf.Scalar)
    }
    const { loss, gnorm } = await microBatchStep(model.params, parts, opt, lr, state.step)
    meter.step(state, loss, gnorm, lr)
    if (state.step % o.evalEvery === 0 || state.step === state.totalSteps) {
      const figures = await evaluatePretrain(o.task, model, o.heldOut, o.tokens, o.microBatch)
      const trainLoss = meter.takeLoss()
      state.history.push({
        step: state.step,
        epoch: state.step / stepsPerEpoch,
        trainLoss,
        eval: figures,
        elapsedSeconds: state.elapsedSeconds,
      })
      await savePretrained(pretrainedDir(o.dir), model, o.task, state.step)
      await saveCheckpoint(o.dir, model, opt, state)
      o.log(
        `eval step ${state.step} train_loss ${trainLoss.toFixed(4)} ${Object.entries(figures)
          .map(([k, v]) => `${k} ${v.toFixed(4)}`)
          .join(' ')} checkpoint saved`,
      )
      meter.restartClock()
    }
  }
  return state
}
