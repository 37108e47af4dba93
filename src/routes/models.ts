/** `GET /v1/models` and `GET /v1/models/{id}`: what is published and what this isolate holds. */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../env.ts'
import { validationHook } from '../middleware/problem.ts'
import { ModelIdParamSchema } from '../core/schema/request.ts'
import { ModelDetailSchema, ModelListSchema } from '../core/schema/response.ts'
import { problemResponses } from './docs.ts'

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
  .openapi(list, async (c) => c.json(await c.var.backend.models(), 200))
  .openapi(get, async (c) => c.json(await c.var.backend.model(c.req.valid('param').id), 200))
