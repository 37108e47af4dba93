/**
 * `POST /v1/models/{id}/classify`: the Hugging Face Inference
 * text-classification request, its batch planned by length into runs within
 * DEFAULT_BATCH_BUDGET's memory bound (src/core/inference/plan.ts).
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../env.ts'
import { validationHook } from '../middleware/problem.ts'
import { ClassifyRequestSchema, ModelIdParamSchema } from '../core/schema/request.ts'
import { ClassifyResponseSchema } from '../core/schema/response.ts'
import { serverTiming } from './context.ts'
import { problemResponses } from './docs.ts'

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
  const answer = await c.var.backend.classify(id, c.req.valid('json'), serverTiming(c))
  c.header('X-Model-Version', answer.version)
  return c.json(answer.body, 200)
})
