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
import type { ProblemType } from '../schema/manifest.ts'
import { padBatch } from '../tokenizers/index.ts'
import type { Encoding } from '../tokenizers/types.ts'
import type { ClassifierSession, LogitsOutput } from './session.ts'

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

/** The activation a model gets when the request names none (multi-label: sigmoid, else softmax). */
export const defaultActivation = (problemType: ProblemType): Activation =>
  problemType === 'multi_label_classification' ? 'sigmoid' : 'softmax'

/** Applies an activation to one row of logits (max-shifted softmax, so large logits don't overflow). */
export function activate(row: ArrayLike<number>, activation: Activation): number[] {
  const values = Array.from(row)
  if (activation === 'none') return values
  if (activation === 'sigmoid') return values.map((x) => 1 / (1 + Math.exp(-x)))
  const max = Math.max(...values)
  const exps = values.map((x) => Math.exp(x - max))
  const sum = exps.reduce((a, b) => a + b, 0)
  return exps.map((e) => e / sum)
}

/** Thrown when the graph's output does not fit the model's labels. */
export class ClassifierError extends Error {
  readonly type = 'label_mismatch'
  override name = 'ClassifierError'
}

/**
 * Turns [batch, num_labels] logits into one sorted label list per row.
 * Ties keep the label order of id2label, so results are deterministic.
 */
export function scoreLogits(
  logits: LogitsOutput,
  id2label: Record<string, string>,
  options: ScoreOptions,
): LabelScore[][] {
  const [batch, numLabels] = logits.dims
  const labels: string[] = []
  for (let i = 0; i < numLabels; i++) {
    const label = id2label[String(i)]
    if (label === undefined) {
      throw new ClassifierError(
        `The model outputs ${numLabels} logits but its id2label has no entry for ${i}. Re-publish it with ${numLabels} labels.`,
      )
    }
    labels.push(label)
  }
  const k = options.top_k === null ? numLabels : Math.min(options.top_k, numLabels)
  const out: LabelScore[][] = []
  for (let b = 0; b < batch; b++) {
    const scores = activate(logits.data.subarray(b * numLabels, (b + 1) * numLabels), options.activation)
    const row = scores.map((score, i) => ({ label: labels[i] ?? String(i), score, i }))
    row.sort((x, y) => y.score - x.score || x.i - y.i)
    out.push(row.slice(0, k).map(({ label, score }) => ({ label, score })))
  }
  return out
}

/** Runs a batch of encodings as one padded batch and scores it. */
export async function classifyEncodings(
  session: ClassifierSession,
  encodings: readonly Encoding[],
  model: { pad_id: number; id2label: Record<string, string> },
  options: ScoreOptions,
): Promise<LabelScore[][]> {
  const feeds = padBatch([...encodings], model.pad_id)
  const logits = await session.run(feeds)
  if (logits.dims[0] !== encodings.length) {
    throw new ClassifierError(`The model returned ${logits.dims[0]} rows of logits for ${encodings.length} inputs.`)
  }
  return scoreLogits(logits, model.id2label, options)
}
