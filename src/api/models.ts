/**
 * The model listing, transport-free: what is published (the manifests in R2)
 * and what this isolate holds. `GET /v1/models`, `GET /v1/models/{id}` and
 * the RPC entrypoint's `models` and `model` call it.
 */
import type { z } from '@hono/zod-openapi'
import type { ModelRegistry, ModelStatus } from '../models/registry.ts'
import { activeVersion } from '../core/schema/manifest.ts'
import type { ModelManifest } from '../core/schema/manifest.ts'
import type { ModelDetailSchema, ModelListSchema, ModelSummarySchema } from '../core/schema/response.ts'
import { listModelIds, readManifest } from '../storage/r2.ts'

export type ModelSummary = z.infer<typeof ModelSummarySchema>
export type ModelDetail = z.infer<typeof ModelDetailSchema>
export type ModelList = z.infer<typeof ModelListSchema>

/** Labels in id order (id2label keys are "0", "1", ...). */
const labelsOf = (id2label: Record<string, string>): string[] =>
  Object.entries(id2label)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, label]) => label)

function summary(manifest: ModelManifest, status: ModelStatus): ModelSummary {
  const v = activeVersion(manifest)
  return {
    id: manifest.id,
    version: v?.version ?? null,
    pending: manifest.pending,
    architecture: v?.architecture ?? null,
    precision: v?.precision ?? null,
    labels: v ? labelsOf(v.id2label) : [],
    random_weights: v?.random_weights ?? null,
    loaded: status.loaded,
    worker: manifest.worker ?? null,
  }
}

function detail(manifest: ModelManifest, status: ModelStatus): ModelDetail {
  const v = activeVersion(manifest)
  return {
    ...summary(manifest, status),
    hf_architecture: v?.hf_architecture ?? null,
    problem_type: v?.problem_type ?? null,
    max_length: v?.max_length ?? null,
    inputs: v?.inputs ?? [],
    sizes: v ? { weights_bytes: v.weights.size, tokenizer_bytes: v.tokenizer.size } : null,
    description: v?.description ?? null,
    created_at: v?.created_at ?? null,
    versions: manifest.versions.map((x) => ({ version: x.version, created_at: x.created_at, precision: x.precision })),
    load_ms: status.load_ms,
    loads: status.loads,
    last_failure: status.last_failure,
    activation_failures: manifest.failures,
  }
}

/** Every model with a readable manifest; one that fails to read is left out rather than failing the list. */
export async function listModels(bucket: R2Bucket, registry: ModelRegistry): Promise<ModelList> {
  const ids = await listModelIds(bucket)
  const manifests = await Promise.all(ids.map((id) => readManifest(bucket, id).catch(() => undefined)))
  return { models: manifests.filter((m) => m !== undefined).map((m) => summary(m, registry.status(m.id))) }
}

/** Model `id`, its versions and this isolate's load state; throws the storage's not_found for an unknown id. */
export async function describeModel(bucket: R2Bucket, registry: ModelRegistry, id: string): Promise<ModelDetail> {
  return detail(await readManifest(bucket, id), registry.status(id))
}
