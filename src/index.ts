/**
 * The Worker: Hono routes over this isolate's model registry, and a
 * `scheduled` handler (wrangler.toml's cron) that verifies and rolls out
 * pending versions (models/rollout.ts, docs/redeploys.md).
 */
import { env as workerEnv } from 'cloudflare:workers'
import { OpenAPIHono } from '@hono/zod-openapi'
import { timing } from 'hono/timing'
import { configOf } from './core/config.ts'
import type { AppEnv, Bindings } from './env.ts'
import { apiKeyAuth } from './middleware/auth.ts'
import { limits } from './middleware/limits.ts'
import { InFlightGate, loadShed } from './middleware/load-shed.ts'
import { notFound, onError, validationHook } from './middleware/problem.ts'
import { createSession, startBackend, wasmMemoryBytes } from './ort/ort.ts'
import { sessionOptionsFor } from './core/inference/ort-options.ts'
import { capWasmMemory } from './ort/wasm-cap.ts'
import { rollOutAll } from './models/rollout.ts'
import type { RolloutOutcome } from './models/rollout.ts'
import { ModelRegistry, registryOptions } from './models/registry.ts'
import type { RegistryDeps } from './models/registry.ts'
import { classify } from './routes/classify.ts'
import { health } from './routes/health.ts'
import { models } from './routes/models.ts'
import { tokenize } from './routes/tokenize.ts'
import { classifierEntrypoint } from './rpc/classifier.ts'
import { readTokenizer } from './storage/kv.ts'
import { listModelIds, readManifest, readManifestForUpdate, readWeights, writeManifest } from './storage/r2.ts'
import { loadTokenizer } from './core/tokenizers/index.ts'

// The heap may not grow past the isolate's budget: an allocation beyond it fails alone (see capWasmMemory).
// With a var that cannot be parsed every request answers the misconfiguration (500), so nothing loads to cap.
const startupConfig = (() => {
  try {
    return configOf(workerEnv)
  } catch {
    return undefined
  }
})()
if (startupConfig !== undefined) capWasmMemory(startupConfig.wasmBudgetBytes)
// ORT's Wasm backend starts with the isolate instead of in its first request (see startBackend).
void startBackend()

let registry: ModelRegistry | undefined

/**
 * Weight bytes read for a version whose graph `publish` already optimized: the
 * registry hands `createSession` the bytes `readWeights` returned, and this is
 * how the version's `graph_optimization` reaches the session options.
 */
const preOptimized = new WeakSet<Uint8Array>()

/** Reads through this isolate's bindings, shared by the registry and the scheduled rollout. */
function storageDeps(env: Bindings): RegistryDeps {
  return {
    readManifest: (id) => readManifest(env.MODELS, id),
    readWeights: async (id, v) => {
      const weights = await readWeights(env.MODELS, id, v.weights)
      if (v.graph_optimization === 'extended') preOptimized.add(weights)
      return weights
    },
    readTokenizer: (id, v) => readTokenizer(env.TOKENIZERS, id, v.tokenizer),
    parseTokenizer: loadTokenizer,
    createSession: (weights) => createSession(weights, sessionOptionsFor(preOptimized.has(weights) ? 'extended' : undefined)),
    now: () => Date.now(),
    wasmMemoryBytes,
  }
}

/** The isolate's registry; bindings are the same for every request an isolate serves. */
function registryFor(env: Bindings): ModelRegistry {
  registry ??= new ModelRegistry(storageDeps(env), registryOptions(configOf(env)))
  return registry
}

/** One line per model that had something to do, for `wrangler tail` and Workers Logs. */
function logOutcome(outcome: RolloutOutcome): void {
  if (outcome.status === 'idle') return
  const line = JSON.stringify({ event: 'activation', ...outcome })
  if (outcome.status === 'activated') console.log(line)
  else console.warn(line)
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
// One MAX_IN_FLIGHT count for HTTP's classify and RPC's (the Classifier entrypoint below).
const inFlight = new InFlightGate()
app.use('/v1/models/:id/classify', loadShed(undefined, inFlight))
app.use('/v1/models/:id/*', timing({ total: false }))

const routes = app.route('/', health).route('/', models).route('/', classify).route('/', tokenize)

// API keys are optional (no API_KEYS: open), hence `{}` beside the bearer scheme; /docs/ offers the key field.
routes.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
  type: 'http',
  scheme: 'bearer',
  description: 'One of the API_KEYS secret\'s keys, when it is set; /healthz and /openapi.json never need one.',
})

routes.doc31('/openapi.json', {
  openapi: '3.1.0',
  security: [{}, { apiKey: [] }],
  info: {
    title: 'edge-classify',
    version: '0.1.0',
    description: 'Text classification with int8 ALBERT and ELECTRA-small on Cloudflare Workers. Errors are RFC 9457 problem documents.',
  },
})

/** For typed clients (`hc<AppType>`). */
export type AppType = typeof routes

/**
 * The RPC entrypoint for other Workers (src/rpc/classifier.ts): bind it with
 * `services = [{ binding = "CLASSIFIER", service = "edge-classify", entrypoint = "Classifier" }]`.
 */
export const Classifier = classifierEntrypoint({ registryFor, inFlight })
// Types only: every value this module exports is a handler or an entrypoint (consumers import problemOf from src/rpc/problem.ts).
export type { ClassifierProblem } from './rpc/problem.ts'

export default {
  fetch: app.fetch,
  /**
   * Each cron tick: verify and roll out pending versions (one model at a
   * time), then load the default models in this isolate ahead of traffic. A
   * verified version of a model this isolate serves is handed to its registry
   * instead of being loaded twice.
   */
  async scheduled(_controller, env, _ctx) {
    const reg = registryFor(env)
    const outcomes = await rollOutAll({
      ...storageDeps(env),
      listModelIds: () => listModelIds(env.MODELS),
      readManifest: (id) => readManifestForUpdate(env.MODELS, id),
      writeManifest: (manifest, etag) => writeManifest(env.MODELS, manifest, etag),
      // Only a model this isolate serves (or pre-loads) is kept: a session for every model the cron
      // ever rolled out would pile up in this isolate's 128 MB.
      adopt: (model) => (reg.status(model.id).loaded || configOf(env).defaultModels.includes(model.id)) && reg.adopt(model),
    })
    outcomes.forEach(logOutcome)
    // After the rollouts, so a candidate session never sits beside a cold load.
    for (const id of configOf(env).defaultModels) await reg.refresh(id)
  },
} satisfies ExportedHandler<Bindings>
