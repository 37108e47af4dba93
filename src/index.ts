/**
 * A model Worker (and the one-Worker layout): the HTTP API over this
 * isolate's model registry, the RPC entrypoints (`Classifier` for users'
 * Workers, `Serving` for the router), and a `scheduled` handler
 * (wrangler.toml's cron) that verifies and rolls out the pending versions of
 * the models it serves (models/rollout.ts, docs/redeploys.md).
 */
import { env as workerEnv } from 'cloudflare:workers'
import type { Backend } from './api/backend.ts'
import type { ApiContext } from './api/context.ts'
import { localBackend } from './api/local.ts'
import { createApp } from './app.ts'
import { configOf } from './core/config.ts'
import { servesHere } from './core/placement.ts'
import type { Bindings } from './env.ts'
import { InFlightGate } from './middleware/load-shed.ts'
import { createSession, startBackend, wasmMemoryBytes } from './ort/ort.ts'
import { sessionOptionsFor } from './core/inference/ort-options.ts'
import { capWasmMemory } from './ort/wasm-cap.ts'
import { rollOutAll } from './models/rollout.ts'
import type { RolloutOutcome } from './models/rollout.ts'
import { ModelRegistry, registryOptions } from './models/registry.ts'
import type { RegistryDeps } from './models/registry.ts'
import { classifierEntrypoint } from './rpc/classifier.ts'
import { servingEntrypoint } from './rpc/serving.ts'
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

// One MAX_IN_FLIGHT count for HTTP's classify and RPC's (the entrypoints below).
const inFlight = new InFlightGate()

/** This isolate's models, for one request or call. */
function backendFor(env: Bindings, ctx: { waitUntil(p: Promise<unknown>): void }): Backend {
  const config = configOf(env)
  const api: ApiContext = { registry: registryFor(env), limits: config.limits, bucket: env.MODELS, waitUntil: (p) => ctx.waitUntil(p) }
  return localBackend(api, config)
}

const app = createApp({ backendFor: (c) => backendFor(c.env, c.executionCtx), inFlight })

export type { AppType } from './app.ts'

/**
 * The RPC entrypoint for other Workers (src/rpc/classifier.ts): bind it with
 * `services = [{ binding = "CLASSIFIER", service = "edge-classify", entrypoint = "Classifier" }]`.
 */
export const Classifier = classifierEntrypoint({ backendFor, inFlight })

/** The entrypoint the router calls (src/router/): the HTTP API's operations, with versions and timings. */
export const Serving = servingEntrypoint({ backendFor, inFlight, tick })
// Types only: every value this module exports is a handler or an entrypoint (consumers import problemOf from src/rpc/problem.ts).
export type { ClassifierProblem } from './rpc/problem.ts'

/**
 * One cron tick: verify and roll out pending versions of the models this
 * Worker serves (one model at a time), then load the default models in this
 * isolate ahead of traffic. A verified version of a model this isolate
 * serves is handed to its registry instead of being loaded twice.
 */
async function tick(env: Bindings): Promise<RolloutOutcome[]> {
  const reg = registryFor(env)
  const outcomes = await rollOutAll({
    ...storageDeps(env),
    listModelIds: () => listModelIds(env.MODELS),
    readManifest: (id) => readManifestForUpdate(env.MODELS, id),
    writeManifest: (manifest, etag) => writeManifest(env.MODELS, manifest, etag),
    // Only a model this isolate serves (or pre-loads) is kept: a session for every model the cron
    // ever rolled out would pile up in this isolate's 128 MB.
    adopt: (model) => (reg.status(model.id).loaded || configOf(env).defaultModels.includes(model.id)) && reg.adopt(model),
    serves: (manifest) => servesHere(configOf(env), manifest),
    reserve: (id, version) => reg.reserve(id, version),
  })
  outcomes.forEach(logOutcome)
  // After the rollouts, so a candidate session never sits beside a cold load.
  for (const id of configOf(env).defaultModels) await reg.refresh(id)
  return outcomes
}

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, _ctx) {
    await tick(env)
  },
} satisfies ExportedHandler<Bindings>
