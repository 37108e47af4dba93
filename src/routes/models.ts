/** `GET /v1/models` and `GET /v1/models/{id}`: what is published and what this isolate holds. */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import type { z } from '@hono/zod-openapi'
import type { AppEnv } from '../env.ts'
import { validationHook } from '../middleware/problem.ts'
import type { ModelStatus } from '../runtime/registry.ts'
import { activeVersion } from '../schema/manifest.ts'
import type { ModelManifest } from '../schema/manifest.ts'
import { ModelIdParamSchema } from '../schema/request.ts'
import { ModelDetailSchema, ModelListSchema } from '../schema/response.ts'
import type { ModelSummarySchema } from '../schema/response.ts'
import { listModelIds, readManifest } from '../storage/r2.ts'
import { problemResponses } from './docs.ts'

type Summary = z.infer<typeof ModelSummarySchema>
type Detail = z.infer<typeof ModelDetailSchema>

/** Labels in id order (id2label keys are "0", "1", ...). */
const labelsOf = (id2label: Record<string, string>): string[] =>
  Object.entries(id2label)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, label]) => label)

function summary(manifest: ModelManifest, status: ModelStatus): Summary {
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
  }
}

function detail(manifest: ModelManifest, status: ModelStatus): Detail {
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

const list = createRoute({
  method: 'get',
  path: '/v1/models',
  summary: 'List the published models',
  responses: {
    200: { description: 'Every model with a manifest', content: { 'application/json': { schema: ModelListSchema } } },
    503: problemResponses[503],
  },
})

const get = createRoute({
  method: 'get',
  path: '/v1/models/{id}',
  summary: 'Describe one model',
  request: { params: ModelIdParamSchema },
  responses: {
    200: { description: 'The model, its versions and load state', content: { 'application/json': { schema: ModelDetailSchema } } },
    404: problemResponses[404],
    503: problemResponses[503],
  },
})

export const models = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(list, async (c) => {
    const ids = await listModelIds(c.env.MODELS)
    const manifests = await Promise.all(ids.map((id) => readManifest(c.env.MODELS, id).catch(() => undefined)))
    const out = manifests.filter((m) => m !== undefined).map((m) => summary(m, c.var.registry.status(m.id)))
    return c.json({ models: out }, 200)
  })
  .openapi(get, async (c) => {
    const { id } = c.req.valid('param')
    const manifest = await readManifest(c.env.MODELS, id)
    return c.json(detail(manifest, c.var.registry.status(id)), 200)
  })
