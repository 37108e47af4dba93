/**
 * Encodings in, sorted `{label, score}` lists out. Pure: it takes a
 * `ClassifierSession`, so the Worker passes onnxruntime-web and the pipeline
 * passes onnxruntime-node through the same code.
 *
 * Activations follow transformers' TextClassificationPipeline
 * (`pipelines/text_classification.py`): softmax over the labels for
 * single-label models, an independent sigmoid per label for multi-label
 * models, `none` for the raw logits.
 */
import type { HfProblemType } from '../schema/manifest.ts'
import { padBatch } from '../tokenizers/index.ts'
import type { Encoding } from '../tokenizers/types.ts'
import { type BatchBudget, DEFAULT_RUN_COST, type PlannedRun, planByLength } from './plan.ts'
import type { ClassifierSession, LogitsOutput } from './session.ts'
import { AppError } from '../errors.ts'

export { DEFAULT_BATCH_BUDGET, planRuns, type BatchBudget } from './plan.ts'

export type Activation = 'softmax' | 'sigmoid' | 'none'

export interface LabelScore {
  label: string
  score: number
}

export interface ScoreOptions {
  activation: Activation
  /** keep the k best labels; null keeps all */
  top_k: number | null
}

/**
 * The activation a model gets when the request names none, as the pipeline
 * chooses it: sigmoid for multi-label and for one-label models (served as
 * 'regression'), else softmax.
 */
export const defaultActivation = (problemType: HfProblemType): Activation =>
  problemType === 'multi_label_classification' || problemType === 'regression' ? 'sigmoid' : 'softmax'

/** Applies an activation to one row of logits (max-shifted softmax, so large logits don't overflow). */
export function applyActivation(row: ArrayLike<number>, activation: Activation): number[] {
  const values = Array.from(row)
  if (activation === 'none') return values
  if (activation === 'sigmoid') return values.map((x) => 1 / (1 + Math.exp(-x)))
  const max = Math.max(...values)
  const exps = values.map((x) => Math.exp(x - max))
  const sum = exps.reduce((a, b) => a + b, 0)
  return exps.map((e) => e / sum)
}

/**
 * Turns [batch, num_labels] logits into one sorted label list per row.
 * Ties keep the label order of id2label, so results are deterministic.
 */
export function scoreLogits(logits: LogitsOutput, id2label: Record<string, string>, options: ScoreOptions): LabelScore[][] {
  const [batch, numLabels] = logits.dims
  const labels: string[] = []
  for (let i = 0; i < numLabels; i++) {
    const label = id2label[String(i)]
    if (label === undefined) {
      throw new AppError(
        'label_mismatch',
        `The model outputs ${numLabels} logits but its id2label has no entry for ${i}. Re-publish it with ${numLabels} labels.`,
      )
    }
    labels.push(label)
  }
  const k = options.top_k === null ? numLabels : Math.min(options.top_k, numLabels)
  const out: LabelScore[][] = []
  for (let b = 0; b < batch; b++) {
    const scores = applyActivation(logits.data.subarray(b * numLabels, (b + 1) * numLabels), options.activation)
    const row = scores.map((score, i) => ({ label: labels[i] ?? String(i), score, i }))
    row.sort((x, y) => y.score - x.score || x.i - y.i)
    out.push(row.slice(0, k).map(({ label, score }) => ({ label, score })))
  }
  return out
}

const EMPTY: Encoding = { ids: [], tokens: [], attention_mask: [], token_type_ids: [], offsets: [] }

/** Orders equal-length encodings by content (ids, then token types), so a plan does not depend on request order. */
function compareContent(a: Pick<Encoding, 'ids' | 'token_type_ids'>, b: Pick<Encoding, 'ids' | 'token_type_ids'>): number {
  for (const key of ['ids', 'token_type_ids'] as const) {
    const x = a[key]
    const y = b[key]
    for (let t = 0; t < x.length && t < y.length; t++) if (x[t] !== y[t]) return (x[t] ?? 0) - (y[t] ?? 0)
  }
  return 0
}

/**
 * Runs a batch of encodings and scores them; results come back in input
 * order. With a `budget`, the batch is planned by length (`planByLength`:
 * sorted, cut into the cheapest runs that fit the budget; runs go one after
 * another, so memory is bounded by the largest run). Without one, it runs as
 * one padded batch in input order.
 */
export async function classifyEncodings(
  session: ClassifierSession,
  encodings: readonly Encoding[],
  model: { pad_id: number; id2label: Record<string, string> },
  options: ScoreOptions,
  budget?: BatchBudget,
): Promise<LabelScore[][]> {
  const runs = budget
    ? planByLength(
        encodings.map((e) => e.ids.length),
        budget,
        DEFAULT_RUN_COST,
        (a, b) => compareContent(encodings[a] ?? EMPTY, encodings[b] ?? EMPTY),
      )
    : [{ rows: encodings.map((_, i) => i) }]
  return classifyRuns(session, encodings, runs, model, options)
}

/**
 * Runs `encodings` as the given runs (each padded to its longest member, one
 * after another) and scores them; results come back in input order. Every
 * position must be in exactly one run (as `planByLength` and `planRuns` make them).
 */
export async function classifyRuns(
  session: ClassifierSession,
  encodings: readonly Encoding[],
  runs: ReadonlyArray<Pick<PlannedRun, 'rows'>>,
  model: { pad_id: number; id2label: Record<string, string> },
  options: ScoreOptions,
): Promise<LabelScore[][]> {
  const out = new Array<LabelScore[]>(encodings.length)
  for (const { rows } of runs) {
    const feeds = padBatch(
      rows.map((i) => encodings[i] ?? EMPTY),
      model.pad_id,
    )
    const logits = await session.run(feeds)
    if (logits.dims[0] !== rows.length) {
      throw new AppError('label_mismatch', `The model returned ${logits.dims[0]} rows of logits for ${rows.length} inputs.`)
    }
    for (const [r, scores] of scoreLogits(logits, model.id2label, options).entries()) out[rows[r] ?? 0] = scores
  }
  return out
}
