import { z } from 'zod'
import { AppError } from '../errors.ts'

/**
 * The model manifest: one JSON object per served model, stored in R2 at
 * `manifestKey(id)`. It is the only mutable object; everything it points to
 * (ONNX weights in R2, compiled tokenizers in KV) is content-addressed and
 * immutable, so writing the manifest last makes a publish atomic.
 */

/** Architectures the converter and the runtime understand. */
export type Architecture = 'albert' | 'electra' | 'bert' | 'distilbert' | 'ernie'

/**
 * transformers' problem_type. A one-label model is 'regression' (what
 * transformers sets for num_labels 1 when it trains one): a score, such as a
 * cross-encoder's relevance, served through a sigmoid unless the request asks
 * for the raw value.
 */
export type ProblemType = 'single_label_classification' | 'multi_label_classification' | 'regression'

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
  /**
   * onnxruntime graph optimizations already saved into the weights by the
   * pipeline ('extended'), or none; absent in manifests written before it.
   */
  graph_optimization?: 'extended' | 'none'
  /**
   * ORT Wasm memory measured at publish under onnxruntime-web: what the loaded
   * session keeps, and the peak with the model alone (load and largest run);
   * absent in manifests written before it (src/core/inference/budget.ts).
   */
  footprint?: { session_bytes: number; peak_bytes: number }
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

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256')

const blobRefSchema = z.object({
  key: z.string().min(1),
  sha256: sha256Hex,
  size: z.number().int().nonnegative(),
})

const modelVersionSchema = z.object({
  version: z.string().min(1),
  architecture: z.enum(['albert', 'electra', 'bert', 'distilbert', 'ernie']),
  hf_architecture: z.string(),
  precision: z.enum(['int8', 'fp32']),
  problem_type: z.enum(['single_label_classification', 'multi_label_classification', 'regression']),
  id2label: z.record(z.string(), z.string()),
  max_length: z.number().int().positive(),
  inputs: z.array(z.string()).min(1),
  weights: blobRefSchema,
  tokenizer: blobRefSchema,
  random_weights: z.boolean(),
  description: z.string().optional(),
  verification: z
    .object({
      texts: z.number().int(),
      argmax_agreement: z.number(),
      max_abs_diff: z.number(),
      mean_abs_diff: z.number(),
    })
    .optional(),
  graph_optimization: z.enum(['extended', 'none']).optional(),
  footprint: z.object({ session_bytes: z.number().int().nonnegative(), peak_bytes: z.number().int().nonnegative() }).optional(),
  smoke: z.array(z.object({ text: z.string(), text_pair: z.string().optional(), label: z.string() })),
  created_at: z.string(),
})

const manifestSchema = z.object({
  id: z.string().regex(MODEL_ID_PATTERN),
  active: z.string().nullable(),
  pending: z.string().nullable(),
  versions: z.array(modelVersionSchema),
  failures: z.array(
    z.object({ version: z.string(), reason: z.string(), at: z.string(), attempts: z.number().int() }),
  ),
})

/**
 * Validates a manifest read from storage. A manifest is written by our own
 * pipeline, so a failure here means a hand edit or a partial write from a foreign tool.
 */
export function parseManifest(value: unknown, id?: string): ModelManifest {
  const result = manifestSchema.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown'
    throw new AppError('malformed_manifest', `The manifest of model "${id ?? 'unknown'}" is malformed at ${where}. Re-publish the model or roll back with \`npm run models -- rollback --id ${id ?? '<id>'}\`.`)
  }
  const manifest: ModelManifest = result.data
  if (id !== undefined && manifest.id !== id) {
    throw new AppError('malformed_manifest', `The manifest stored for "${id}" names model "${manifest.id}".`)
  }
  if (manifest.active !== null && !manifest.versions.some((v) => v.version === manifest.active)) {
    throw new AppError('malformed_manifest', `The manifest of "${manifest.id}" marks version ${manifest.active} active but does not list it.`)
  }
  return manifest
}

/** The bytes a manifest is stored as (R2, by the Worker and by the pipeline alike). */
export const encodeManifest = (manifest: ModelManifest): Uint8Array => new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`)

/** A stored manifest of model `id`, validated; bytes that are not JSON or not its manifest are `corrupt`. */
export function decodeManifest(bytes: Uint8Array, id: string): ModelManifest {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder().decode(bytes))
  } catch (cause) {
    throw new AppError('corrupt', `The manifest of model "${id}" is not valid JSON. Re-publish the model.`, { model: id, cause })
  }
  try {
    return parseManifest(value, id)
  } catch (cause) {
    if (cause instanceof AppError) throw new AppError('corrupt', cause.message, { model: id, cause })
    throw cause
  }
}

/** The version a manifest serves now, if any. */
export function activeVersion(manifest: ModelManifest): ModelVersion | undefined {
  return manifest.versions.find((v) => v.version === manifest.active)
}
