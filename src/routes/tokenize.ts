/**
 * `POST /v1/models/{id}/tokenize`: the model's tokenizer output, for
 * debugging and parity checks against Hugging Face.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../env.ts'
import { validationHook } from '../middleware/problem.ts'
import { ModelIdParamSchema, TokenizeRequestSchema } from '../core/schema/request.ts'
import { TokenizeResponseSchema } from '../core/schema/response.ts'
import { serverTiming } from './context.ts'
import { problemResponses } from './docs.ts'

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
  const answer = await c.var.backend.tokenize(id, c.req.valid('json'), serverTiming(c, { infer: 'no inference for tokenize' }))
  c.header('X-Model-Version', answer.version)
  return c.json(answer.body, 200)
})
