/**
 * `GET /healthz` (the process answers) and `GET /readyz` (storage reachable
 * and every DEFAULT_MODELS model loadable in this isolate).
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi'
import type { z } from '@hono/zod-openapi'
import { configOf } from '../core/config.ts'
import type { AppEnv } from '../env.ts'
import { validationHook } from '../middleware/problem.ts'
import { HealthSchema, ReadySchema } from '../core/schema/response.ts'
import { wasmMemoryBytes } from '../ort/ort.ts'
import { listModelIds } from '../storage/r2.ts'
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

/** This Worker's name in `/readyz`'s isolates (wrangler.toml `name`). */
const WORKER_NAME = 'edge-classify'

export const health = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200))
  .openapi(readyz, async (c) => {
    const reasons: string[] = []
    const models: Record<string, z.infer<typeof ReadySchema>['models'][string]> = {}
    try {
      await listModelIds(c.env.MODELS)
    } catch (e) {
      reasons.push(e instanceof Error ? e.message : String(e))
    }
    await Promise.all(
      configOf(c.env).defaultModels.map(async (id) => {
        try {
          const lease = await c.var.registry.acquire(id, (p) => c.executionCtx.waitUntil(p))
          lease.done()
          // A failed rollout leaves the active version serving, so it is reported, not a reason for 503.
          const { pending, activation_failure } = c.var.registry.status(id)
          models[id] = { version: lease.model.version.version, load_ms: lease.model.loadMs, pending, activation_failure }
        } catch (e) {
          reasons.push(`${id}: ${e instanceof Error ? e.message : String(e)}`)
        }
      }),
    )
    if (reasons.length > 0) {
      throw new AppError('not_ready', `Not ready. ${reasons.join(' ')}`, { extras: {
        reasons,
        wasm_memory_bytes: wasmMemoryBytes(),
        isolates: [{ name: WORKER_NAME, ...c.var.registry.memory() }],
      } })
    }
    const isolate = { name: WORKER_NAME, ...c.var.registry.memory() }
    return c.json({ status: 'ready' as const, models, wasm_memory_bytes: wasmMemoryBytes(), isolates: [isolate] }, 200)
  })
