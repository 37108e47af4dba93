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

/**
 * The activation a model gets when the request names none, as the pipeline
 * chooses it: sigmoid for multi-label and for one-label models (served as
 * 'regression'), else softmax.
 */
export const defaultActivation = (problemType: ProblemType): Activation =>
  problemType === 'multi_label_classification' || problemType === 'regression' ? 'sigmoid' : 'softmax'

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

/**
 * How large one padded run may be. Activation memory grows with
 * batch × sequence (hidden states) and batch × sequence² (attention), and
 * ORT's Wasm heap keeps its high-water mark for the isolate's life, so one
 * oversized run would cost the 128 MB isolate budget for good. Measured
 * (ALBERT-base int8 after ELECTRA-small, test/support/measure-memory.ts):
 * 8×128 → 80 MB, 1×512 → 81 MB, 4×256 → 97 MB, 2×512 → 106 MB, 16×128 → 116 MB.
 */
export interface BatchBudget {
  /** padded rows × sequence length */
  tokens: number
  /** padded rows × sequence length² */
  attention: number
}

/** 8×128 or 2×256 or 1×512 (a single input always runs, whatever its length). */
export const DEFAULT_BATCH_BUDGET: BatchBudget = { tokens: 1024, attention: 131_072 }

/**
 * Splits a batch, in order, into runs that fit `budget` once padded to their
 * longest member. Returns [start, end) index pairs.
 */
export function planRuns(lengths: readonly number[], budget: BatchBudget): Array<[number, number]> {
  const runs: Array<[number, number]> = []
  let start = 0
  let longest = 0
  for (let i = 0; i < lengths.length; i++) {
    const t = Math.max(longest, lengths[i] ?? 0)
    const rows = i - start + 1
    if (rows > 1 && (rows * t > budget.tokens || rows * t * t > budget.attention)) {
      runs.push([start, i])
      start = i
      longest = lengths[i] ?? 0
    } else {
      longest = t
    }
  }
  if (lengths.length > 0) runs.push([start, lengths.length])
  return runs
}

/**
 * Runs a batch of encodings as padded batches (one, unless `budget` splits
 * it; runs go one after another, so memory is bounded by the largest run)
 * and scores them.
 */
export async function classifyEncodings(
  session: ClassifierSession,
  encodings: readonly Encoding[],
  model: { pad_id: number; id2label: Record<string, string> },
  options: ScoreOptions,
  budget?: BatchBudget,
): Promise<LabelScore[][]> {
  const runs = budget ? planRuns(encodings.map((e) => e.ids.length), budget) : [[0, encodings.length] as [number, number]]
  const out: LabelScore[][] = []
  for (const [start, end] of runs) {
    const feeds = padBatch(encodings.slice(start, end), model.pad_id)
    const logits = await session.run(feeds)
    if (logits.dims[0] !== end - start) {
      throw new ClassifierError(`The model returned ${logits.dims[0]} rows of logits for ${end - start} inputs.`)
    }
    out.push(...scoreLogits(logits, model.id2label, options))
  }
  return out
}
