/**
 * The Worker's bindings with faults that real R2 and KV cannot produce on
 * demand: a `get` that throws, an object whose body fails half way through,
 * a blob that vanishes between the manifest read and the weights read, a
 * failing `list`. Faults are switched on and off per key while the Worker
 * keeps the same bindings, the way an outage starts and ends under a running
 * isolate.
 *
 * The Worker's registry lives in module scope and keeps the bindings of the
 * first request its isolate serves, so a test file that injects faults must
 * send every request through `call` (one `FaultyEnv` per file), starting with
 * its first.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import worker from '../../src/index.ts'
import type { Bindings } from '../../src/env.ts'
import { clientOf } from './http.ts'
import type { Client } from './http.ts'

export interface Faults {
  /** R2 keys whose `get` rejects (an R2 outage for those objects) */
  r2Get: Set<string>
  /** R2 keys whose body read (`arrayBuffer`, `json`, `text`) rejects after `get` succeeded */
  r2Body: Set<string>
  /** R2 `list` rejects (what /readyz and GET /v1/models use) */
  r2List: boolean
  /** KV keys whose `get` rejects */
  kvGet: Set<string>
  /** manifest key → object key deleted right after that manifest is read */
  deleteAfterManifest: Map<string, string>
  /** R2 key → a promise its `get` waits for (a request held inside a model load, for as long as the test wants) */
  r2Hold: Map<string, Promise<void>>
}

/** Vars and secrets as `wrangler.toml` or `wrangler secret put` would set them (the generated `Env` types wrangler.toml's values as literals). */
export type Vars = Partial<
  Record<
    | 'API_KEYS'
    | 'MAX_BODY_BYTES'
    | 'MAX_BATCH'
    | 'MAX_INPUT_CHARS'
    | 'MAX_LENGTH'
    | 'MAX_IN_FLIGHT'
    | 'DEFAULT_MODELS'
    | 'FAILED_LOAD_RETRY_SECONDS'
    | 'MANIFEST_TTL_SECONDS'
    | 'WASM_BUDGET_BYTES',
    string
  >
>

export interface FaultyEnv {
  readonly faults: Faults
  /** R2 keys read so far, in order (to check what a request touched) */
  readonly r2Reads: string[]
  /** Sends a request to the Worker with these bindings (plus `vars`), waiting for its background work. */
  call(path: string, init?: RequestInit, vars?: Vars): Promise<Response>
  /** POSTs JSON through `call`. */
  post(path: string, body: unknown, vars?: Vars): Promise<Response>
  /** Hono's typed client over `call` (test/support/http.ts), with `vars` on every request. */
  api(vars?: Vars): Client
  /** Every fault off. */
  clear(): void
}

const outage = (what: string, key: string) => new Error(`${what} ${key}: simulated outage (test fault)`)

/** Forwards to `target`, with methods bound to it (workerd bindings check their receiver). */
function forward<T extends object>(target: T, overrides: Partial<Record<PropertyKey, unknown>>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (prop in overrides) return overrides[prop]
      const value: unknown = Reflect.get(t, prop)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value
    },
  })
}

/** An R2 object body whose reads fail, as a connection reset half way through would. */
function brokenBody(object: R2ObjectBody, key: string): R2ObjectBody {
  const fail = () => Promise.reject(outage('R2 body of', key))
  return forward(object, { arrayBuffer: fail, json: fail, text: fail, bytes: fail, blob: fail })
}

/**
 * `vars` are set on every request: the registry's vars (FAILED_LOAD_RETRY_SECONDS,
 * MANIFEST_TTL_SECONDS) count only on a file's first request, which creates it.
 */
export function faultyEnv(vars: Vars = {}): FaultyEnv {
  const faults: Faults = {
    r2Get: new Set(),
    r2Body: new Set(),
    r2List: false,
    kvGet: new Set(),
    deleteAfterManifest: new Map(),
    r2Hold: new Map(),
  }
  const r2Reads: string[] = []
  const models = forward(env.MODELS, {
    get: async (key: string, options?: R2GetOptions) => {
      r2Reads.push(key)
      await faults.r2Hold.get(key)
      if (faults.r2Get.has(key)) throw outage('R2 get', key)
      const object = await env.MODELS.get(key, options)
      const doomed = faults.deleteAfterManifest.get(key)
      if (doomed !== undefined) await env.MODELS.delete(doomed)
      if (object === null || !('body' in object)) return object
      return faults.r2Body.has(key) ? brokenBody(object, key) : object
    },
    list: async (options?: R2ListOptions) => {
      if (faults.r2List) throw outage('R2 list', options?.prefix ?? '')
      return env.MODELS.list(options)
    },
  })
  const tokenizers = forward(env.TOKENIZERS, {
    get: async (key: string, options?: unknown) => {
      if (faults.kvGet.has(key)) throw outage('KV get', key)
      return (env.TOKENIZERS.get as (k: string, o?: unknown) => Promise<unknown>)(key, options)
    },
  })
  const bindings: Bindings = { ...env, ...vars, MODELS: models, TOKENIZERS: tokenizers } as Bindings

  const send = async (request: Request, callVars: Vars = {}) => {
    const ctx = createExecutionContext()
    const res = await worker.fetch(request, { ...bindings, ...callVars } as Bindings, ctx)
    // Read the body before the background work settles, as a client would.
    const body = await res.arrayBuffer()
    await waitOnExecutionContext(ctx)
    return new Response(body, res)
  }
  const call = (path: string, init: RequestInit = {}, callVars: Vars = {}) => send(new Request(`http://edge.test${path}`, init), callVars)
  return {
    faults,
    r2Reads,
    call,
    api: (callVars = {}) => clientOf((request) => send(request, callVars)),
    post: (path, body, vars) =>
      call(
        path,
        { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) },
        vars,
      ),
    clear() {
      faults.r2Get.clear()
      faults.r2Body.clear()
      faults.r2List = false
      faults.kvGet.clear()
      faults.deleteAfterManifest.clear()
      faults.r2Hold.clear()
    },
  }
}
