/**
 * The API's operations on this isolate's own registry: what a model Worker
 * (and the one-Worker layout) serves, over HTTP and over RPC alike.
 */
import type { Config } from '../core/config.ts'
import { listModelIds } from '../storage/r2.ts'
import type { Backend, Isolate, Readiness } from './backend.ts'
import { classifyRequest } from './classify.ts'
import type { ApiContext } from './context.ts'
import { describeModel, listModels } from './models.ts'
import { tokenizeRequest } from './tokenize.ts'

/**
 * `ctx` for this request or call; `config.workerName` names this Worker in
 * `/readyz` and in a model's detail. Phases are reported as they end, so
 * Server-Timing shows a load even for a request that fails after it.
 */
export function localBackend(ctx: ApiContext, config: Config): Backend {
  const isolate = (): Isolate => ({ name: config.workerName, ...ctx.registry.memory() })
  return {
    classify: (id, request, report) => classifyRequest(ctx, id, request, report),
    tokenize: (id, request, report) => tokenizeRequest(ctx, id, request, report),
    models: () => listModels(ctx.bucket, ctx.registry),
    model: async (id) => ({ ...(await describeModel(ctx.bucket, ctx.registry, id)), isolate: isolate() }),
    async readiness(): Promise<Readiness> {
      const reasons: string[] = []
      const models: Readiness['models'] = {}
      try {
        await listModelIds(ctx.bucket)
      } catch (e) {
        reasons.push(e instanceof Error ? e.message : String(e))
      }
      await Promise.all(
        config.defaultModels.map(async (id) => {
          try {
            const lease = await ctx.registry.acquire(id, (p) => ctx.waitUntil(p))
            lease.done()
            // A failed rollout leaves the active version serving, so it is reported, not a reason for 503.
            const { pending, activation_failure } = ctx.registry.status(id)
            models[id] = { version: lease.model.version.version, load_ms: lease.model.loadMs, pending, activation_failure }
          } catch (e) {
            reasons.push(`${id}: ${e instanceof Error ? e.message : String(e)}`)
          }
        }),
      )
      return { models, isolates: [isolate()], reasons }
    },
  }
}
