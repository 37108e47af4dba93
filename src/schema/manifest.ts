/**
 * The model manifest: one JSON object per served model, stored in R2 at
 * `manifestKey(id)`. It is the only mutable object; everything it points to
 * (ONNX weights in R2, compiled tokenizers in KV) is content-addressed and
 * immutable, so writing the manifest last makes a publish atomic.
 */

/** Architectures the converter and the runtime understand. */
export type Architecture = 'albert' | 'electra' | 'bert' | 'distilbert'

export type ProblemType = 'single_label_classification' | 'multi_label_classification'

export type Precision = 'int8' | 'fp32'

/** A content-addressed blob: `key` embeds `sha256` (lowercase hex). */
export interface BlobRef {
  key: string
  sha256: string
  /** bytes */
  size: number
}

/** One input of the smoke test a version must pass before it becomes active. */
export interface SmokeCase {
  text: string
  text_pair?: string
  /** expected top label */
  label: string
}

export interface Verification {
  texts: number
  argmax_agreement: number
  max_abs_diff: number
  mean_abs_diff: number
}

/** One immutable published version of a model. */
export interface ModelVersion {
  version: string
  architecture: Architecture
  /** e.g. "ElectraForSequenceClassification" */
  hf_architecture: string
  precision: Precision
  problem_type: ProblemType
  id2label: Record<string, string>
  /** tokens, including special tokens */
  max_length: number
  /** ONNX graph input names, in the order the graph declares them */
  inputs: string[]
  weights: BlobRef
  tokenizer: BlobRef
  /** true when the weights are not trained (the generated defaults) */
  random_weights: boolean
  description?: string
  verification?: Verification
  smoke: SmokeCase[]
  created_at: string
}

/** Why a version could not be activated; kept so that operators can see it. */
export interface ActivationFailure {
  version: string
  reason: string
  at: string
  attempts: number
}

export interface ModelManifest {
  id: string
  /** the version served now; null until one has passed activation */
  active: string | null
  /** a version waiting for the scheduled activation, if any */
  pending: string | null
  /** newest first */
  versions: ModelVersion[]
  failures: ActivationFailure[]
}

export const MODEL_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/

/** R2 key of a model's manifest. */
export const manifestKey = (id: string): string => `models/${id}/manifest.json`

/** R2 key of an ONNX weights blob. */
export const weightsKey = (sha256: string): string => `blobs/sha256/${sha256}.onnx`

/** KV key of a compiled tokenizer. */
export const tokenizerKey = (sha256: string): string => `tokenizer/sha256/${sha256}`
