/**
 * The Worker: Hono routes over this isolate's model registry.
 *
 * `scheduled` is a documented placeholder until issue #5 (verified activation
 * of pending versions) lands: today a tick only re-checks the manifests of
 * DEFAULT_MODELS, so a newly activated version is loaded before traffic asks.
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import { timing } from 'hono/timing'
import type { AppEnv, Bindings } from './env.ts'
import { apiKeyAuth } from './middleware/auth.ts'
import { limits } from './middleware/limits.ts'
import { notFound, onError, validationHook } from './middleware/problem.ts'
import { createSession } from './runtime/ort.ts'
import { DEFAULT_REGISTRY_OPTIONS, ModelRegistry } from './runtime/registry.ts'
import { classify } from './routes/classify.ts'
import { health } from './routes/health.ts'
import { models } from './routes/models.ts'
import { tokenize } from './routes/tokenize.ts'
import { readTokenizer } from './storage/kv.ts'
import { readManifest, readWeights } from './storage/r2.ts'
import { loadTokenizer } from './tokenizers/index.ts'

let registry: ModelRegistry | undefined

/** The isolate's registry; bindings are the same for every request an isolate serves. */
function registryFor(env: Bindings): ModelRegistry {
  const ttl = Number(env.MANIFEST_TTL_SECONDS)
  const options = Number.isFinite(ttl) && ttl >= 0 ? { ...DEFAULT_REGISTRY_OPTIONS, manifestTtlMs: ttl * 1000 } : DEFAULT_REGISTRY_OPTIONS
  registry ??= new ModelRegistry({
    readManifest: (id) => readManifest(env.MODELS, id),
    readWeights: (id, v) => readWeights(env.MODELS, id, v.weights),
    readTokenizer: (id, v) => readTokenizer(env.TOKENIZERS, id, v.tokenizer),
    parseTokenizer: loadTokenizer,
    createSession: (weights) => createSession(weights),
    now: () => Date.now(),
  }, options)
  return registry
}

const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
app.onError(onError)
app.notFound(notFound)
app.use(async (c, next) => {
  c.set('registry', registryFor(c.env))
  await next()
})
app.use('/v1/*', apiKeyAuth({ keys: (c) => (c.env as Bindings).API_KEYS }))
app.use('/readyz', apiKeyAuth({ keys: (c) => (c.env as Bindings).API_KEYS }))
app.use('/v1/*', limits())
app.use('/v1/models/:id/*', timing({ total: false }))

const routes = app.route('/', health).route('/', models).route('/', classify).route('/', tokenize)

routes.doc31('/openapi.json', {
  openapi: '3.1.0',
  info: {
    title: 'edge-classify',
    version: '0.1.0',
    description: 'Text classification with int8 ALBERT and ELECTRA-small on Cloudflare Workers. Errors are RFC 9457 problem documents.',
  },
})

/** For typed clients (`hc<AppType>`). */
export type AppType = typeof routes

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    const reg = registryFor(env)
    for (const id of env.DEFAULT_MODELS.split(',').map((s) => s.trim()).filter(Boolean)) ctx.waitUntil(reg.refresh(id))
  },
} satisfies ExportedHandler<Bindings>
