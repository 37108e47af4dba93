/**
 * `POST /v1/models/{id}/tokenize`: the model's tokenizer output, for
 * debugging and parity checks against Hugging Face.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import { endTime, setMetric, startTime } from 'hono/timing'
import type { AppEnv } from '../env.ts'
import { validationHook } from '../middleware/problem.ts'
import { ModelIdParamSchema, TokenizeRequestSchema } from '../schema/request.ts'
import { TokenizeResponseSchema } from '../schema/response.ts'
import { problemResponses } from './docs.ts'
import { encodeOptions, normalizeInputs } from './inputs.ts'

const route = createRoute({
  method: 'post',
  path: '/v1/models/{id}/tokenize',
  summary: "Tokenize inputs with the model's tokenizer",
  request: {
    params: ModelIdParamSchema,
    body: { required: true, content: { 'application/json': { schema: TokenizeRequestSchema } } },
  },
  responses: {
    200: {
      description: 'One encoding (a list of them for a batch), unpadded. Headers: X-Model-Version, Server-Timing.',
      content: { 'application/json': { schema: TokenizeResponseSchema } },
    },
    ...problemResponses,
  },
})

export const tokenize = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(route, async (c) => {
  const { id } = c.req.valid('param')
  const body = c.req.valid('json')
  const { items, batch } = normalizeInputs(body.inputs, c.var.limits)
  const lease = await c.var.registry.acquire(id, (p) => c.executionCtx.waitUntil(p))
  try {
    const { version, tokenizer } = lease.model
    setMetric(c, 'load', lease.waitedMs, 'model load (0 when warm)')
    const options = encodeOptions(body.parameters, version, c.var.limits)
    startTime(c, 'tokenize')
    const encodings = items.map((item) => {
      const e = tokenizer.encode(item, options)
      return { ids: e.ids, tokens: e.tokens, attention_mask: e.attention_mask, token_type_ids: e.token_type_ids, offsets: e.offsets }
    })
    endTime(c, 'tokenize')
    setMetric(c, 'infer', 0, 'no inference for tokenize')
    c.header('X-Model-Version', version.version)
    return c.json(batch ? encodings : encodings[0], 200)
  } finally {
    lease.done()
  }
})
