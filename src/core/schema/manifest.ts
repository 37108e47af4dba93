import { z } from 'zod'
import { AppError } from '../errors.ts'

/**
 * The model manifest: one JSON object per served model, stored in R2 at
 * `manifestKey(id)`. It is the only mutable object; everything it points to
 * (ONNX weights in R2, compiled tokenizers in KV) is content-addressed and
 * immutable, so writing the manifest last makes a publish atomic.
 */

export const MODEL_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/

/** Architectures the converter and the runtime understand. */
const architectureSchema = z.enum(['albert', 'electra', 'bert', 'distilbert', 'ernie'])

/**
 * transformers' problem_type. A one-label model is 'regression' (what
 * transformers sets for num_labels 1 when it trains one): a score, such as a
 * cross-encoder's relevance, served through a sigmoid unless the request asks
 * for the raw value.
 */
const hfProblemTypeSchema = z.enum(['single_label_classification', 'multi_label_classification', 'regression'])

const precisionSchema = z.enum(['int8', 'fp32'])

/** A content-addressed blob: `key` embeds `sha256` (lowercase hex). */
const blobRefSchema = z.object({
  key: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256'),
  /** bytes */
  size: z.number().int().nonnegative(),
})

/**
 * How far a one-label smoke case's score may move between publish and the
 * rollout. Both run the same onnxruntime-web kernels, which are exact on
 * every CPU, so the scores agree to rounding; this only absorbs printing.
 */
export const SMOKE_SCORE_TOLERANCE = 1e-3

/** One input of the smoke test a version must pass before it serves. */
const smokeCaseSchema = z.object({
  text: z.string(),
  text_pair: z.string().optional(),
  /** expected top label */
  label: z.string(),
  /** a one-label model's expected score (its one label is always on top); checked within SMOKE_SCORE_TOLERANCE */
  score: z.number().optional(),
})

const verificationSchema = z.object({
  texts: z.number().int(),
  argmax_agreement: z.number(),
  max_abs_diff: z.number(),
  mean_abs_diff: z.number(),
})

/** One immutable published version of a model. */
const modelVersionSchema = z.object({
  version: z.string().min(1),
  architecture: architectureSchema,
  /** e.g. "ElectraForSequenceClassification" */
  hf_architecture: z.string(),
  precision: precisionSchema,
  problem_type: hfProblemTypeSchema,
  id2label: z.record(z.string(), z.string()),
  /** tokens, including special tokens */
  max_length: z.number().int().positive(),
  /** ONNX graph input names, in the order the graph declares them */
  inputs: z.array(z.string()).min(1),
  weights: blobRefSchema,
  tokenizer: blobRefSchema,
  /** true when the weights are not trained (the generated defaults) */
  random_weights: z.boolean(),
  description: z.string().optional(),
  verification: verificationSchema.optional(),
  /** onnxruntime graph optimizations already saved into the weights by the pipeline ('extended'), or none; absent in older manifests */
  graph_optimization: z.enum(['extended', 'none']).optional(),
  /**
   * ORT Wasm memory measured at publish under onnxruntime-web: what the loaded
   * session keeps, and the peak with the model alone (load and largest run);
   * absent in older manifests (src/core/inference/budget.ts).
   */
  footprint: z.object({ session_bytes: z.number().int().nonnegative(), peak_bytes: z.number().int().nonnegative() }).optional(),
  smoke: z.array(smokeCaseSchema),
  created_at: z.string(),
})

/** Why a version could not be rolled out; kept so that operators can see it. */
const rolloutFailureSchema = z.object({ version: z.string(), reason: z.string(), at: z.string(), attempts: z.number().int() })

const manifestSchema = z.object({
  id: z.string().regex(MODEL_ID_PATTERN),
  /** the model Worker that serves it in a suite (`publish --worker`); absent: the router's first */
  worker: z.string().optional(),
  /** the version served now; null until one has passed its rollout */
  active: z.string().nullable(),
  /** a version waiting for the scheduled rollout, if any */
  pending: z.string().nullable(),
  /** newest first */
  versions: z.array(modelVersionSchema),
  failures: z.array(rolloutFailureSchema),
})

export type Architecture = z.infer<typeof architectureSchema>
export type HfProblemType = z.infer<typeof hfProblemTypeSchema>
export type Precision = z.infer<typeof precisionSchema>
export type BlobRef = z.infer<typeof blobRefSchema>
export type SmokeCase = z.infer<typeof smokeCaseSchema>
export type Verification = z.infer<typeof verificationSchema>
export type ModelVersion = z.infer<typeof modelVersionSchema>
export type RolloutFailure = z.infer<typeof rolloutFailureSchema>
export type ModelManifest = z.infer<typeof manifestSchema>

/**
 * Validates a manifest read from storage. A manifest is written by our own
 * pipeline, so a failure here means a hand edit or a partial write from a foreign tool.
 */
export function parseManifest(value: unknown, id?: string): ModelManifest {
  const result = manifestSchema.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown'
    throw new AppError(
      'malformed_manifest',
      `The manifest of model "${id ?? 'unknown'}" is malformed at ${where}. Re-publish the model or roll back with \`npm run models -- rollback --id ${id ?? '<id>'}\`.`,
    )
  }
  const manifest: ModelManifest = result.data
  if (id !== undefined && manifest.id !== id) {
    throw new AppError('malformed_manifest', `The manifest stored for "${id}" names model "${manifest.id}".`)
  }
  if (manifest.active !== null && !manifest.versions.some((v) => v.version === manifest.active)) {
    throw new AppError(
      'malformed_manifest',
      `The manifest of "${manifest.id}" marks version ${manifest.active} active but does not list it.`,
    )
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
