/**
 * `POST /v1/models/{id}/classify`: the Hugging Face Inference
 * text-classification request, run as one padded batch (split into a few
 * runs when padding would exceed DEFAULT_BATCH_BUDGET's memory bound).
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import { endTime, setMetric, startTime } from 'hono/timing'
import type { AppEnv } from '../env.ts'
import { validationHook } from '../middleware/problem.ts'
import { classifyEncodings, DEFAULT_BATCH_BUDGET, defaultActivation } from '../runtime/classifier.ts'
import { ClassifyRequestSchema, ModelIdParamSchema } from '../schema/request.ts'
import { ClassifyResponseSchema } from '../schema/response.ts'
import { problemResponses } from './docs.ts'
import { encodeOptions, normalizeInputs } from './inputs.ts'

const route = createRoute({
  method: 'post',
  path: '/v1/models/{id}/classify',
  summary: 'Classify one text, a text pair, or a batch of them',
  request: {
    params: ModelIdParamSchema,
    body: { required: true, content: { 'application/json': { schema: ClassifyRequestSchema } } },
  },
  responses: {
    200: {
      description: 'Labels sorted by score (a list of such lists for a batch). Headers: X-Model-Version, Server-Timing.',
      content: { 'application/json': { schema: ClassifyResponseSchema } },
    },
    ...problemResponses,
  },
})

export const classify = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(route, async (c) => {
  const { id } = c.req.valid('param')
  const body = c.req.valid('json')
  const { items, batch } = normalizeInputs(body.inputs, c.var.limits)
  const lease = await c.var.registry.acquire(id, (p) => c.executionCtx.waitUntil(p))
  try {
    const { version, tokenizer, session } = lease.model
    setMetric(c, 'load', lease.waitedMs, 'model load (0 when warm)')
    const options = encodeOptions(body.parameters, version, c.var.limits)
    startTime(c, 'tokenize')
    const encodings = items.map((item) => tokenizer.encode(item, options))
    endTime(c, 'tokenize')
    startTime(c, 'infer')
    const results = await classifyEncodings(
      session,
      encodings,
      { pad_id: tokenizer.pad_id, id2label: version.id2label },
      {
        activation: body.parameters?.function_to_apply ?? defaultActivation(version.problem_type),
        top_k: body.parameters?.top_k ?? null,
      },
      DEFAULT_BATCH_BUDGET,
    )
    endTime(c, 'infer')
    c.header('X-Model-Version', version.version)
    return c.json(batch ? results : (results[0] ?? []), 200)
  } finally {
    lease.done()
  }
})
