/**
 * The Worker's configuration: every wrangler var, parsed in one place under
 * one policy, with the defaults in one place. An unset or empty var takes its
 * default; a set var that cannot be parsed is a configuration error
 * (`misconfigured`, a 500 naming the var), never silently replaced.
 * The pipeline reads the same vars from wrangler.toml through `parseConfig`.
 *
 * @example
 * const config = parseConfig(env) // throws AppError('misconfigured') on a bad var
 */
import { AppError } from './errors.ts'

export const MiB = 2 ** 20

export interface Limits {
  /** MAX_BODY_BYTES: request body bytes */
  maxBodyBytes: number
  /** MAX_BATCH: inputs per request */
  maxBatch: number
  /** MAX_INPUT_CHARS: UTF-16 code units per text */
  maxInputChars: number
  /** MAX_LENGTH: tokens per input, including special tokens */
  maxLength: number
  /** MAX_IN_FLIGHT: classify requests one isolate serves at once, beyond which it sheds with 429 (0 = no cap) */
  maxInFlight: number
}

/** A model Worker the router reaches: its name (as in manifests' `worker`) and its service binding. */
export interface ModelWorker {
  name: string
  binding: string
}

export interface Config {
  /** WORKER_NAME: this Worker's name in `/readyz` and in manifests' `worker` (its wrangler `name`) */
  workerName: string
  /** MODEL_WORKERS (the router's): "name=BINDING,..."; the first serves models whose manifest names no Worker */
  modelWorkers: ModelWorker[]
  /** DEFAULT_MODELS: models /readyz must be able to load, and the cron pre-loads */
  defaultModels: string[]
  /** MANIFEST_TTL_SECONDS: how long an isolate trusts a manifest before re-reading it in the background */
  manifestTtlMs: number
  /** FAILED_LOAD_RETRY_SECONDS: how long a failed load of a model with nothing live is answered again before storage is re-read */
  coldRetryMs: number
  /** WASM_BUDGET_BYTES: ORT Wasm memory one isolate may use */
  wasmBudgetBytes: number
  limits: Limits
}

/** The default leaves room in 128 MB for the JavaScript heap beside the Wasm heap (docs/memory.md). */
export const DEFAULT_WASM_BUDGET_BYTES = 112 * MiB

export const DEFAULT_CONFIG: Readonly<Config> = {
  workerName: 'edge-classify',
  modelWorkers: [],
  defaultModels: [],
  manifestTtlMs: 30_000,
  coldRetryMs: 5_000,
  wasmBudgetBytes: DEFAULT_WASM_BUDGET_BYTES,
  limits: { maxBodyBytes: 262_144, maxBatch: 16, maxInputChars: 10_000, maxLength: 512, maxInFlight: 32 },
}

type Vars = Readonly<Record<string, unknown>>

function raw(vars: Vars, name: string): string | undefined {
  const value = vars[name]
  if (value === undefined || value === null) return undefined
  const text = typeof value === 'string' ? value.trim() : JSON.stringify(value)
  return text === '' ? undefined : text
}

const misconfigured = (name: string, value: string, want: string): AppError =>
  new AppError('misconfigured', `The Worker's ${name} var is "${value}"; set it to ${want} in wrangler.toml.`)

/** A whole number ≥ `min`. */
function integer(vars: Vars, name: string, fallback: number, min: number): number {
  const text = raw(vars, name)
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < min)
    throw misconfigured(name, text, min === 0 ? 'a whole number (0 turns it off)' : 'a positive integer')
  return n
}

/** Seconds (fractions and 0 allowed), as milliseconds. */
function seconds(vars: Vars, name: string, fallbackMs: number): number {
  const text = raw(vars, name)
  if (text === undefined) return fallbackMs
  const s = Number(text)
  if (!Number.isFinite(s) || s < 0) throw misconfigured(name, text, 'a number of seconds (0 or more)')
  return s * 1000
}

function list(vars: Vars, name: string, fallback: string[]): string[] {
  const text = raw(vars, name)
  if (text === undefined) return fallback
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

function workers(vars: Vars, name: string): ModelWorker[] {
  return list(vars, name, []).map((entry) => {
    const [worker = '', binding = '', ...rest] = entry.split('=').map((s) => s.trim())
    if (!/^[a-z0-9][a-z0-9-]*$/.test(worker) || !/^[A-Z][A-Z0-9_]*$/.test(binding) || rest.length > 0) {
      throw misconfigured(name, entry, 'a comma-separated list of worker-name=BINDING pairs')
    }
    return { name: worker, binding }
  })
}

/** Every var, parsed; throws `misconfigured` naming the first one that cannot be. */
export function parseConfig(vars: Vars): Config {
  const d = DEFAULT_CONFIG
  return {
    workerName: raw(vars, 'WORKER_NAME') ?? d.workerName,
    modelWorkers: workers(vars, 'MODEL_WORKERS'),
    defaultModels: list(vars, 'DEFAULT_MODELS', d.defaultModels),
    manifestTtlMs: seconds(vars, 'MANIFEST_TTL_SECONDS', d.manifestTtlMs),
    coldRetryMs: seconds(vars, 'FAILED_LOAD_RETRY_SECONDS', d.coldRetryMs),
    wasmBudgetBytes: integer(vars, 'WASM_BUDGET_BYTES', d.wasmBudgetBytes, 1),
    limits: {
      maxBodyBytes: integer(vars, 'MAX_BODY_BYTES', d.limits.maxBodyBytes, 1),
      maxBatch: integer(vars, 'MAX_BATCH', d.limits.maxBatch, 1),
      maxInputChars: integer(vars, 'MAX_INPUT_CHARS', d.limits.maxInputChars, 1),
      maxLength: integer(vars, 'MAX_LENGTH', d.limits.maxLength, 1),
      maxInFlight: integer(vars, 'MAX_IN_FLIGHT', d.limits.maxInFlight, 0),
    },
  }
}

const parsed = new WeakMap<object, Config>()

/** `parseConfig`, once per bindings object (an isolate's `env` is the same for every request). */
export function configOf(env: object): Config {
  let config = parsed.get(env)
  if (config === undefined) {
    config = parseConfig(env as Vars)
    parsed.set(env, config)
  }
  return config
}
