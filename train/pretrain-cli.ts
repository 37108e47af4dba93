import { mulberry32 } from '../scripts/checkpoint/random.ts'
import { sharedTokenizer } from './batches.ts'
import { loadSplits } from './data.ts'
import { initAdamW } from './optimizer.ts'
import { bodyTokens, specialTokens, windows } from './pretrain-data.ts'
import { createPretrainModel } from './pretrain-model.ts'
import { type PretrainState, type PretrainTask, pretrainLoop, pretrainedDir } from './pretrain.ts'
import type { TrainPreset } from './presets.ts'
import { loadCheckpoint } from './trainer.ts'

/**
 * `npm run train -- pretrain --model albert|electra`: builds the windows
 * from the TRAIN split's bodies only (validation and test text is never
 * read), holds every Nth body out for the evaluation, and runs (or resumes)
 * the pre-training loop.
 */

/** Flags of the pretrain sub-command (undefined: the default below). */
export interface PretrainFlags {
  preset: TrainPreset
  dir: string
  seed: number
  fresh: boolean
  log: (line: string) => void
  steps?: number
  lr?: number
  warmup?: number
  evalEvery?: number
  batch?: number
  microBatch?: number
  maxLength?: number
  maxSteps?: number
  limit?: number
  holdoutEvery?: number
}

/** The task a model family pre-trains with. */
export const taskOf = (modelType: string): PretrainTask => (modelType === 'albert' ? 'mlm-sop' : 'rtd')

/** Runs or resumes a pre-training run. */
export async function runPretrain(f: PretrainFlags): Promise<void> {
  const task = taskOf(f.preset.config.model_type)
  const maxLength = f.maxLength ?? f.preset.maxLength
  const batchSize = f.batch ?? f.preset.batchSize
  const microBatch = Math.min(f.microBatch ?? f.preset.microBatch ?? batchSize, batchSize)
  const holdoutEvery = f.holdoutEvery ?? 64
  const tokenizer = sharedTokenizer(f.preset.tokenizer)
  const tokens = specialTokens(f.preset.tokenizer, tokenizer)
  const train = loadSplits().train
  const texts = (f.limit === undefined ? train : train.slice(0, f.limit)).map((e) => e.text)
  const bodies = bodyTokens(tokenizer, texts, tokens)
  // [CLS] A [SEP] B [SEP] for ALBERT, [CLS] W [SEP] for ELECTRA
  const size = maxLength - (task === 'mlm-sop' ? 3 : 2)
  const trainWindows = windows(
    bodies.filter((_, i) => i % holdoutEvery !== holdoutEvery - 1),
    size,
  )
  const heldOut = windows(
    bodies.filter((_, i) => i % holdoutEvery === holdoutEvery - 1),
    size,
  ).slice(0, 128)
  const model = createPretrainModel(f.preset.config, task, mulberry32(f.seed))
  const opt = initAdamW(model.params)
  const totalSteps = f.steps ?? Math.floor(trainWindows.length / batchSize)
  const resumed = f.fresh ? null : await loadCheckpoint<PretrainState>(f.dir, model, opt)
  const state: PretrainState =
    resumed === null ? { task, step: 0, totalSteps, seed: f.seed, elapsedSeconds: 0, history: [] } : { ...resumed, totalSteps }
  const tokenCount = bodies.reduce((a, b) => a + b.length, 0)
  f.log(
    `${resumed === null ? 'start' : `resume at step ${state.step}`} ${task} pre-training of ${f.preset.id}: ${texts.length} train-split bodies, ${tokenCount} tokens, ` +
      `${trainWindows.length} windows of <= ${size} tokens (+ ${heldOut.length} held-out from every ${holdoutEvery}th body), max_length ${maxLength}, batch ${batchSize} (passes of ${microBatch}), ` +
      `${totalSteps} steps (${((totalSteps * batchSize) / trainWindows.length).toFixed(2)} epochs), peak lr ${f.lr ?? 3e-4}, dir ${f.dir}`,
  )
  const done = await pretrainLoop(
    {
      task,
      model,
      opt,
      windows: trainWindows,
      heldOut,
      tokens,
      batchSize,
      microBatch,
      peakLr: f.lr ?? 3e-4,
      warmupSteps: f.warmup ?? 60,
      evalEvery: f.evalEvery ?? 50,
      dir: f.dir,
      seed: f.seed,
      log: f.log,
      ...(f.maxSteps === undefined ? {} : { maxSteps: f.maxSteps }),
    },
    state,
  )
  f.log(`stopped at step ${done.step}/${done.totalSteps}; weights for --init: ${pretrainedDir(f.dir)}`)
}
