/**
 * `GET /healthz` (the process answers) and `GET /readyz` (storage reachable
 * and every DEFAULT_MODELS model loadable, in each model Worker behind a router).
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../env.ts'
import { validationHook } from '../middleware/problem.ts'
import { HealthSchema, ReadySchema } from '../core/schema/response.ts'
import { problemResponses } from './docs.ts'
import { AppError } from '../core/errors.ts'

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness',
  responses: { 200: { description: 'Alive', content: { 'application/json': { schema: HealthSchema } } } },
})

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  summary: 'Readiness: storage reachable and the default models loadable',
  responses: {
    200: { description: 'Ready, with the version of each default model', content: { 'application/json': { schema: ReadySchema } } },
    503: problemResponses[503],
  },
})

export const health = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200))
  .openapi(readyz, async (c) => {
    const { models, isolates, reasons } = await c.var.backend.readiness()
    const wasm_memory_bytes = isolates.reduce((sum, i) => sum + i.wasm_memory_bytes, 0)
    if (reasons.length > 0) {
      throw new AppError('not_ready', `Not ready. ${reasons.join(' ')}`, { extras: { reasons, wasm_memory_bytes, isolates } })
    }
    return c.json({ status: 'ready' as const, models, wasm_memory_bytes, isolates }, 200)
  })
