import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, openSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { artifactsDir, repoRoot } from '../scripts/paths.ts'
import { encodeExamples, sharedTokenizer } from './batches.ts'
import { loadSplits } from './data.ts'
import { mulberry32 } from '../scripts/checkpoint/random.ts'
import { distillationError, distillFlags, resumeError } from './distill.ts'
import { createModel } from './model.ts'
import { initAdamW } from './optimizer.ts'
import { trainPreset } from './presets.ts'
import { loadCheckpoint, runFiles, type TrainState, trainLoop, useWasm } from './trainer.ts'
import type { CardPretraining, WithoutPretraining } from './card.ts'
import type { PretrainState } from './pretrain.ts'
import type { AssessReport } from './assess.ts'

/**
 * `npm run train -- --model electra|albert [options]`: fine-tunes a spam
 * classifier on the SpamAssassin split, resuming from the run folder's
 * checkpoint when there is one. `--background` re-launches the same command
 * detached (nohup-like) with output appended to <out>/train.log.
 *
 *   --model electra|albert|electra-tiny|albert-tiny
 *   --out DIR          run folder (default .artifacts/train/<id>)
 *   --model-dir DIR    export/evaluate target (default models/<id>)
 *   --epochs N         total epochs (sets the LR schedule; raise it to continue a finished run)
 *   --lr X             peak learning rate      --batch N      batch size
 *   --warmup N         warm-up steps           --eval-every N validation interval (steps)
 *   --micro-batch N    examples per pass (gradients summed; wasm heap limit)
 *   --max-length N     tokens per example      --seed N       data-order and init seed
 *   --max-steps N      stop after N steps in this process
 *   --limit N          use only the first N training examples (smoke runs)
 *   --fresh            ignore an existing checkpoint
 *   --init DIR         start a new run from the weights of an HF checkpoint folder: an earlier run's best/,
 *                      or a pre-training run's pretrained/ (encoder + embeddings loaded, heads dropped)
 *   --views            train on views of the bodies at many lengths, one length per batch (train/views.ts),
 *                      and score short views of the validation split beside it (selection: mean of both accuracies)
 *   --synthetic X      with --views: share of the rows of short batches replaced by a generated message of the
 *                      same label (train/synthetic.ts: today's mail and texts, both labels, from templates)
 *   --long-weight X    with --views: weight of the longest (whole-body) bucket, in place of LENGTH_BUCKETS'
 *   --long-share X     with --synthetic: share of generated whole templates that are long notices (default 0.3;
 *                      the generated validation set keeps 0.3)
 *   --teacher DIR      with --views: distil an HF checkpoint folder's soft targets (train/distill.ts) into the
 *                      loss, read through its fp32 ONNX export with its own tokenizer
 *   --distill-alpha X  weight of the teacher's targets (default 0.5; the label gets 1 − X)
 *   --distill-temperature X  the softening temperature of both sides' logits (default 2)
 *   --distill-agreeing the teacher's targets only on rows whose label it gives; the others learn from the label alone
 *   --eval-at-start    validate the starting weights before the first step (recorded as state.initial)
 *   --onnx-eval        validate through the exported fp32 ONNX graph on onnxruntime-node (one thread) instead of tfjs
 *   --background       detach; log to <out>/train.log
 *
 * `npm run train -- pretrain --model albert|electra [options]` pre-trains the
 * encoder on the training split's bodies (ALBERT: MLM + sentence-order
 * prediction; ELECTRA: replaced-token detection with a 1/4-width generator)
 * into <out> (default .artifacts/train/<id>-pretrain), resumable like a run;
 * its <out>/pretrained/ is what a fine-tuning run takes with --init.
 *   --steps N          total steps (sets the LR schedule)   --holdout-every N  every Nth body is held out for evaluation
 *   (and --lr --batch --micro-batch --warmup --eval-every --max-length --seed --max-steps --limit --fresh --background)
 *
 * `npm run train -- assess --model albert [--model-dir DIR] [--fold] [--report FILE]`
 * scores the checkpoint folder on validation (whole bodies and short views),
 * the test split and the modern set (train/modern-set.jsonl) under
 * fp32 and int8, fits a temperature on validation, and with --fold divides the
 * last classifier layer by it and scores the folded checkpoint again; the
 * report goes to --report (default <model-dir>/calibration.json). The model
 * card's "Modern messages and calibration" section is rewritten with --fold or
 * --card; --from FILE takes a saved report instead of scoring again.
 *
 * `npm run train -- soup --model albert --ingredient DIR --ingredient DIR ... [--out DIR]`
 * averages checkpoints of one model into a greedy soup (train/soup.ts), chosen
 * on validation like a views run with generated messages, into <out>/best/
 * (default .artifacts/train/<id>-soup), with every score in <out>/soup.json;
 * --fresh replaces a soup already there.
 *
 * `npm run train -- export --model electra` writes the run's best checkpoint
 * as F16 to models/<id>/; `npm run train -- evaluate --model electra` scores
 * it on the test split (tfjs, fp32 ONNX, int8 ONNX) into models/<id>/eval.json
 * and writes the model card models/<id>/README.md (--phases "text" describes
 * the sequence-length phases that were run; --pretrain-run DIR, --pretrain-note
 * "text" and --without FILE (default <model-dir>/without-pretraining.json: the
 * same recipe's eval and best validation without pre-training) add the
 * pre-training and the with/without table). `export --positions 64` keeps
 * 64 position rows for a model trained only at 64 tokens.
 */
const { values, positionals } = parseArgs({
  options: {
    model: { type: 'string', default: 'electra' },
    out: { type: 'string' },
    'model-dir': { type: 'string' },
    epochs: { type: 'string' },
    lr: { type: 'string' },
    batch: { type: 'string' },
    'micro-batch': { type: 'string' },
    'max-length': { type: 'string' },
    seed: { type: 'string', default: '1' },
    'max-steps': { type: 'string' },
    limit: { type: 'string' },
    fresh: { type: 'boolean', default: false },
    init: { type: 'string' },
    warmup: { type: 'string' },
    'eval-every': { type: 'string' },
    background: { type: 'boolean', default: false },
    views: { type: 'boolean', default: false },
    synthetic: { type: 'string' },
    'long-weight': { type: 'string' },
    'long-share': { type: 'string' },
    'eval-at-start': { type: 'boolean', default: false },
    'onnx-eval': { type: 'boolean', default: false },
    phases: { type: 'string' },
    positions: { type: 'string' },
    steps: { type: 'string' },
    'holdout-every': { type: 'string' },
    'pretrain-run': { type: 'string' },
    'pretrain-note': { type: 'string' },
    without: { type: 'string' },
    fold: { type: 'boolean', default: false },
    report: { type: 'string' },
    card: { type: 'boolean', default: false },
    from: { type: 'string' },
    ingredient: { type: 'string', multiple: true },
    teacher: { type: 'string' },
    'distill-alpha': { type: 'string' },
    'distill-temperature': { type: 'string' },
    'distill-agreeing': { type: 'boolean' },
  },
  allowPositionals: true,
})

const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v))
const base = trainPreset(values.model)
const maxLength = num(values['max-length']) ?? base.maxLength
const preset = {
  ...base,
  // a run longer than the preset's position table gets a table as long as its inputs
  config: maxLength > base.config.max_position_embeddings ? { ...base.config, max_position_embeddings: maxLength } : base.config,
  epochs: num(values.epochs) ?? base.epochs,
  peakLr: num(values.lr) ?? base.peakLr,
  batchSize: num(values.batch) ?? base.batchSize,
  microBatch: num(values['micro-batch']) ?? base.microBatch,
  maxLength,
  warmupSteps: num(values.warmup) ?? base.warmupSteps,
  evalEvery: num(values['eval-every']) ?? base.evalEvery,
}
const command = positionals[0] ?? 'run'
const commands = ['run', 'pretrain', 'export', 'evaluate', 'assess', 'soup']
if (!commands.includes(command)) {
  console.error(`Unknown command "${command}"; use run (default), pretrain, export, evaluate, assess or soup.`)
  process.exit(2)
}
// checked before any command runs or --background detaches, so a bad flag is reported here and not in the log
const distillation = {
  alpha: num(values['distill-alpha']) ?? 0.5,
  temperature: num(values['distill-temperature']) ?? 2,
  ...(values['distill-agreeing'] === true ? { agreeing: true as const } : {}),
}
if (values.teacher !== undefined) {
  const bad =
    command !== 'run'
      ? `--teacher trains a run; ${command} takes none`
      : !values.views
        ? '--teacher needs --views: the teacher reads the text of each view'
        : !existsSync(join(resolve(values.teacher), 'config.json'))
          ? `--teacher ${values.teacher}: no config.json there; give an HF checkpoint folder (a run's best/, or models/<id>)`
          : distillationError(distillation)
  if (bad !== undefined) {
    console.error(bad)
    process.exit(2)
  }
} else if (values['distill-alpha'] !== undefined || values['distill-temperature'] !== undefined || values['distill-agreeing'] === true) {
  console.error('--distill-alpha, --distill-temperature and --distill-agreeing mix in a teacher: add --teacher DIR')
  process.exit(2)
}

const dir = resolve(
  values.out ?? join(artifactsDir, 'train', command === 'pretrain' || command === 'soup' ? `${preset.id}-${command}` : preset.id),
)
mkdirSync(dir, { recursive: true })
const files = runFiles(dir)
const modelDir = resolve(values['model-dir'] ?? join(repoRoot, 'models', preset.id))

if (command === 'export') {
  const { exportModel } = await import('./evaluate.ts')
  const { readFile } = await import('node:fs/promises')
  await useWasm()
  const state = JSON.parse(await readFile(files.state, 'utf8')) as TrainState
  const source: Record<string, string> =
    state.soup === undefined ? { step: String(state.best?.step ?? '') } : { soup: state.soup.join(' ') }
  await exportModel(files.best, modelDir, source, num(values.positions))
  console.log(
    `wrote ${modelDir} (F16) from ${files.best}, ${state.soup === undefined ? `best validation step ${state.best?.step ?? '-'}` : `a soup of ${state.soup.length} checkpoints`}`,
  )
  process.exit(0)
}

if (command === 'assess') {
  const { assess, encodeSets, writeAssessReport } = await import('./assess.ts')
  const { loadModernSet } = await import('./modern-set.ts')
  const { readFile } = await import('node:fs/promises')
  const tokenizer = sharedTokenizer(preset.tokenizer)
  const exported = JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8')) as { max_position_embeddings: number }
  const path = resolve(values.report ?? join(modelDir, 'calibration.json'))
  let report: AssessReport
  if (values.from === undefined) {
    const modern = loadModernSet()
    const sets = encodeSets(tokenizer, loadSplits(), modern, exported.max_position_embeddings)
    report = await assess(modelDir, sets, modern, tokenizer.pad_id, exported.max_position_embeddings, values.fold, (s) => console.log(s))
  } else {
    report = JSON.parse(await readFile(resolve(values.from), 'utf8')) as AssessReport
  }
  await writeAssessReport(path, { ...report, model_dir: relative(repoRoot, resolve(report.model_dir)) })
  const { assessSummary, withAssessSection } = await import('./card.ts')
  const section = assessSummary(report)
  console.log(section)
  if ((values.fold || values.card) && existsSync(join(modelDir, 'README.md'))) {
    const { writeFile } = await import('node:fs/promises')
    await writeFile(join(modelDir, 'README.md'), withAssessSection(await readFile(join(modelDir, 'README.md'), 'utf8'), section))
  } else if (values.fold || values.card) {
    console.log(`no model card at ${join(modelDir, 'README.md')} (run evaluate first); the section is printed above`)
  }
  console.log(`wrote ${path}`)
  process.exit(0)
}

if (command === 'evaluate') {
  const { evaluateCheckpoint, writeEvalReport } = await import('./evaluate.ts')
  await useWasm()
  const tokenizer = sharedTokenizer(preset.tokenizer)
  // The exported config decides the length, as it does in the Worker.
  const { readFile: read } = await import('node:fs/promises')
  const exported = JSON.parse(await read(join(modelDir, 'config.json'), 'utf8')) as { max_position_embeddings: number }
  const maxLength = exported.max_position_embeddings
  const { textKind } = await import('./text-kind.ts')
  const examples = loadSplits().test
  const test = encodeExamples(tokenizer, examples, maxLength)
  const report = await evaluateCheckpoint(
    files.best,
    modelDir,
    test,
    examples.map((e) => textKind(e.text)),
    tokenizer.pad_id,
    maxLength,
    (s) => console.log(s),
  )
  await writeEvalReport(modelDir, report, files.state)
  const { modelCard } = await import('./card.ts')
  const { readFile, writeFile } = await import('node:fs/promises')
  const state = JSON.parse(await readFile(files.state, 'utf8')) as TrainState
  let pretraining: CardPretraining | undefined
  if (values['pretrain-run'] !== undefined) {
    const pretrainState = JSON.parse(await readFile(join(resolve(values['pretrain-run']), 'state.json'), 'utf8')) as PretrainState
    const without = JSON.parse(
      await readFile(resolve(values.without ?? join(modelDir, 'without-pretraining.json')), 'utf8'),
    ) as WithoutPretraining
    pretraining = { state: pretrainState, description: values['pretrain-note'] ?? '', without }
  }
  await writeFile(join(modelDir, 'README.md'), modelCard(preset, report, state, values.phases ?? '', pretraining))
  console.log(JSON.stringify(report, null, 2))
  process.exit(0)
}

if (values.background) {
  const args = process.argv.slice(2).filter((a) => a !== '--background')
  const fd = openSync(files.log, 'a')
  const child = spawn(process.execPath, [join(repoRoot, 'train/cli.ts'), ...args], {
    detached: true,
    stdio: ['ignore', fd, fd],
    cwd: repoRoot,
  })
  child.unref()
  console.log(`${command === 'soup' ? 'soup of' : 'training'} ${preset.id} in the background (pid ${child.pid}); log: ${files.log}`)
  console.log(
    `follow: tail -f ${files.log}    stop: kill ${child.pid} (${command === 'soup' ? 'a soup starts over when run again' : 'resume by re-running the same command'})`,
  )
  process.exit(0)
}

const log = (line: string): void => {
  console.log(`${new Date().toISOString()} ${line}`)
}
process.on('uncaughtException', (e) => {
  log(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
  process.exit(1)
})

if (command === 'soup') {
  const { soupCommand } = await import('./soup-cli.ts')
  process.exit(await soupCommand({ preset, dir, ingredients: values.ingredient ?? [], fresh: values.fresh, log }))
}

const seed = Number(values.seed)
await useWasm()
if (command === 'pretrain') {
  const { runPretrain } = await import('./pretrain-cli.ts')
  await runPretrain({
    preset,
    dir,
    seed,
    log,
    fresh: values.fresh,
    steps: num(values.steps),
    lr: num(values.lr),
    warmup: num(values.warmup),
    evalEvery: num(values['eval-every']),
    batch: num(values.batch),
    microBatch: num(values['micro-batch']),
    maxLength: num(values['max-length']),
    maxSteps: num(values['max-steps']),
    limit: num(values.limit),
    holdoutEvery: num(values['holdout-every']),
  })
  process.exit(0)
}
const splits = loadSplits()
const tokenizer = sharedTokenizer(preset.tokenizer)
const limit = num(values.limit)
const train = encodeExamples(tokenizer, limit === undefined ? splits.train : splits.train.slice(0, limit), preset.maxLength)
const validationExamples = limit === undefined ? splits.validation : splits.validation.slice(0, Math.max(32, Math.floor(limit / 8)))
const validation = encodeExamples(tokenizer, validationExamples, preset.maxLength)
const trainExamples = limit === undefined ? splits.train : splits.train.slice(0, limit)
const { generatedValidation, viewBatcher, validationViews } = await import('./view-batches.ts')
const mix = {
  synthetic: num(values.synthetic) ?? 0,
  ...(values['long-weight'] === undefined ? {} : { longWeight: Number(values['long-weight']) }),
  ...(values['long-share'] === undefined ? {} : { longShare: Number(values['long-share']) }),
}
const mixError = (): string | undefined => {
  if (!values.views && (mix.synthetic > 0 || mix.longWeight !== undefined))
    return '--synthetic and --long-weight shape the views: add --views'
  if (mix.longShare !== undefined && !(mix.synthetic > 0)) return '--long-share shapes the generated messages: add --synthetic X'
  if (!(mix.synthetic >= 0 && mix.synthetic <= 1) || !((mix.longWeight ?? 1) > 0)) {
    return `--synthetic ${values.synthetic ?? 0} --long-weight ${values['long-weight'] ?? '-'}: give a share between 0 and 1 and a weight above 0`
  }
  const share = mix.longShare
  if (share !== undefined && !(share >= 0 && share <= 1)) return `--long-share ${values['long-share']}: give a share between 0 and 1`
  return undefined
}
const badMix = mixError()
if (badMix !== undefined) {
  console.error(badMix)
  process.exit(2)
}
const views = values.views ? viewBatcher(tokenizer, trainExamples, preset.maxLength, seed, mix) : undefined
const validationViewSet = values.views ? validationViews(tokenizer, validationExamples, preset.maxLength) : undefined
const generatedSet = mix.synthetic > 0 ? generatedValidation(tokenizer, preset.maxLength, limit === undefined ? 400 : 32) : undefined
const model = createModel(preset.config, mulberry32(seed))
if (values.init !== undefined) {
  const { initFrom } = await import('./init.ts')
  const report = await initFrom(model, resolve(values.init))
  log(
    `--init ${values.init}: ${report.loaded.length} parameters loaded${report.extended.length > 0 ? ` (position rows repeated: ${report.extended.join(', ')})` : ''}, fresh: ${report.fresh.join(', ') || 'none'}, dropped: ${report.dropped.length > 10 ? `${report.dropped.length} head tensors` : report.dropped.join(', ') || 'none'}`,
  )
}
const opt = initAdamW(model.params)
const totalSteps = Math.round(Math.floor(train.length / preset.batchSize) * preset.epochs)
const resumed = values.fresh ? null : await loadCheckpoint(dir, model, opt)
const distilled = values.teacher === undefined ? undefined : { teacher: relative(repoRoot, resolve(values.teacher)), ...distillation }
const state: TrainState =
  resumed === null
    ? { step: 0, totalSteps, seed, elapsedSeconds: 0, best: null, history: [], ...(distilled === undefined ? {} : { distill: distilled }) }
    : { ...resumed, totalSteps }
const cannotResume = resumeError(dir, state.distill, distilled)
if (cannotResume !== undefined) {
  console.error(cannotResume)
  process.exit(2)
}
log(
  `${resumed === null ? (values.init === undefined ? 'start' : `start from ${values.init}`) : `resume at step ${state.step}`} ${preset.id}: ${train.length} train / ${validation.length} validation examples, ` +
    `max_length ${preset.maxLength}, batch ${preset.batchSize}, ${preset.epochs} epochs = ${totalSteps} steps, peak lr ${preset.peakLr}, dir ${dir}`,
)
if (views !== undefined)
  log(`views: synthetic ${mix.synthetic}, long weight ${mix.longWeight ?? 'default'}, long share ${mix.longShare ?? 'default'}`)
const maxSteps = num(values['max-steps'])
const score = values['onnx-eval'] ? (await import('./onnx-score.ts')).onnxScorer(join(dir, 'eval-checkpoint'), tokenizer.pad_id) : undefined
const teacher =
  values.teacher === undefined
    ? undefined
    : await (await import('./teacher.ts')).openTeacher(resolve(values.teacher), distillation.temperature)
if (teacher !== undefined && distilled !== undefined) log(`distilled: ${distillFlags(distilled)}`)
const done = await trainLoop(
  {
    preset,
    model,
    opt,
    train,
    validation,
    padId: tokenizer.pad_id,
    dir,
    seed,
    log,
    evalAtStart: values['eval-at-start'],
    ...(maxSteps === undefined ? {} : { maxSteps }),
    ...(views === undefined ? {} : { views }),
    ...(score === undefined ? {} : { score }),
    ...(validationViewSet === undefined ? {} : { validationViews: validationViewSet }),
    ...(generatedSet === undefined ? {} : { generatedValidation: generatedSet }),
    ...(teacher === undefined ? {} : { distill: { ...distillation, targets: teacher.targets } }),
  },
  state,
)
await teacher?.release()
log(
  `stopped at step ${done.step}/${done.totalSteps}; best validation accuracy ${((done.best?.validation.accuracy ?? 0) * 100).toFixed(2)}% at step ${done.best?.step ?? '-'} (${join(dir, 'best')})`,
)
