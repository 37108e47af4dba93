/**
 * The API's operations on the model Workers, for the router: each model is
 * served by the Worker its manifest names (`worker`, set at publish), else by
 * the first of MODEL_WORKERS, reached over its service binding's `Serving`
 * entrypoint. A model Worker's problem is answered as it came, so clients see
 * the same problem documents and headers as from one Worker.
 */
import type { Backend, Readiness } from '../api/backend.ts'
import type { PhaseReporter } from '../api/context.ts'
import { placedOn } from '../core/placement.ts'
import type { Config, ModelWorker } from '../core/config.ts'
import { AppError, kindFor } from '../core/errors.ts'
import type { ModelManifest } from '../core/schema/manifest.ts'
import { readManifest } from '../storage/r2.ts'
import { problemKind, problemOf } from '../rpc/problem.ts'
import type { ServingRpc, Timed } from '../rpc/serving.ts'

/** A service binding's Serving entrypoint, as RPC exposes it. */
export type ServingStub = Pick<ServingRpc, 'classify' | 'tokenize' | 'models' | 'model' | 'readiness' | 'tick'>

/** The router's bindings as this module reads them: the models bucket, and one service binding per model Worker (by name). */
export interface RouterEnv {
  MODELS: R2Bucket
}

/** A model Worker's failure, as the router answers it: its problem as it came, or an unreachable Worker. */
export function remoteError(worker: string, error: unknown): AppError {
  const problem = problemOf(error)
  if (problem === undefined) {
    return new AppError(
      'worker_unavailable',
      `The model Worker "${worker}" could not be reached: ${error instanceof Error ? error.message : String(error)}. Retry shortly.`,
      {
        retryAfterSeconds: 1,
      },
    )
  }
  const { type: _type, title: _title, status, detail, retry_after, ...extras } = problem
  const kind = kindFor(status, problemKind(problem)) ?? 'internal'
  return new AppError(kind, detail, { extras, ...(retry_after === undefined ? {} : { retryAfterSeconds: retry_after }) })
}

/** Where each model is served, from its manifest; manifests are re-read after the manifest TTL. */
export class Placement {
  readonly #workers: ModelWorker[]
  readonly #ttlMs: number
  readonly #manifests = new Map<string, { manifest: ModelManifest; at: number }>()

  constructor(config: Config) {
    this.#workers = config.modelWorkers
    this.#ttlMs = config.manifestTtlMs
  }

  get workers(): readonly ModelWorker[] {
    return this.#workers
  }

  /** The model Worker that serves `id`; throws the storage's not_found for an unknown model. */
  async workerOf(bucket: R2Bucket, id: string, now = Date.now()): Promise<ModelWorker> {
    const cached = this.#manifests.get(id)
    const manifest = cached !== undefined && now - cached.at < this.#ttlMs ? cached.manifest : await readManifest(bucket, id)
    if (cached?.manifest !== manifest) this.#manifests.set(id, { manifest, at: now })
    return this.placed(id, manifest.worker)
  }

  /** The model Worker named `worker` (the first when none is named). */
  placed(id: string, worker: string | null | undefined): ModelWorker {
    const found = placedOn(this.#workers, worker)
    if (found === undefined) {
      throw new AppError(
        'misconfigured',
        `Model "${id}" is placed on the model Worker "${worker ?? '(default)'}", which this router does not bind. Add it to the suite (MODEL_WORKERS) and deploy the router, or publish the model with --worker naming one of: ${this.#workers.map((w) => w.name).join(', ') || '(none)'}.`,
        { model: id },
      )
    }
    return found
  }
}

function stubOf(env: RouterEnv, worker: ModelWorker): ServingStub {
  // MODEL_WORKERS names the bindings, so they are looked up by name, not declared in a type.
  const binding: unknown = Reflect.get(env, worker.binding)
  if (typeof binding !== 'object' || binding === null || !('classify' in binding)) {
    throw new AppError(
      'misconfigured',
      `The router has no service binding ${worker.binding} for the model Worker "${worker.name}". Add the Worker to SUITE in scripts/catalogue.ts and deploy the suite (npm run deploy), which generates the router's bindings.`,
    )
  }
  return binding as ServingStub
}

/** Runs `call` on `worker`, turning its failure into the problem the router answers. */
async function on<T>(env: RouterEnv, worker: ModelWorker, call: (stub: ServingStub) => Promise<T>): Promise<T> {
  const stub = stubOf(env, worker)
  try {
    return await call(stub)
  } catch (error) {
    throw remoteError(worker.name, error)
  }
}

export function remoteBackend(env: RouterEnv, placement: Placement): Backend {
  // The phases as the model Worker reported them, in the order they ran.
  const replay = (phases: Timed<unknown>['phases'], report?: PhaseReporter) => {
    for (const phase of ['load', 'tokenize', 'infer'] as const) {
      const ms = phases[phase]
      if (ms !== undefined) report?.(phase, ms)
    }
  }
  return {
    async classify(id, request, report) {
      const worker = await placement.workerOf(env.MODELS, id)
      const { phases, ...served } = await on(env, worker, (stub) => stub.classify(id, request))
      replay(phases, report)
      return served
    },
    async tokenize(id, request, report) {
      const worker = await placement.workerOf(env.MODELS, id)
      const { phases, ...served } = await on(env, worker, (stub) => stub.tokenize(id, request))
      replay(phases, report)
      return served
    },
    async model(id) {
      return on(env, await placement.workerOf(env.MODELS, id), (stub) => stub.model(id))
    },
    async models() {
      // Each Worker lists every model with its own load state; each model's entry comes from the Worker that serves it.
      const lists = await Promise.all(placement.workers.map((w) => on(env, w, (stub) => stub.models())))
      const first = lists[0]?.models ?? []
      return {
        models: first.map((summary) => {
          const served = placedOn(placement.workers, summary.worker)
          const index = served === undefined ? -1 : placement.workers.indexOf(served)
          return lists[index]?.models.find((m) => m.id === summary.id) ?? summary
        }),
      }
    },
    async readiness(): Promise<Readiness> {
      const answers = await Promise.all(
        placement.workers.map(async (w) => {
          try {
            return await on(env, w, (stub) => stub.readiness())
          } catch (error) {
            return { models: {}, isolates: [], reasons: [`${w.name}: ${error instanceof Error ? error.message : String(error)}`] }
          }
        }),
      )
      return {
        models: Object.assign({}, ...answers.map((a) => a.models)),
        isolates: answers.flatMap((a) => a.isolates),
        reasons: answers.flatMap((a) => a.reasons),
      }
    },
  }
}

/**
 * Runs every model Worker's cron tick, one Worker after another. Each model
 * Worker has its own cron when deployed; this is how one `scheduled` call
 * reaches them all where only the router's is triggered (`wrangler dev`).
 */
export async function tickAll(env: RouterEnv, placement: Placement): Promise<void> {
  for (const worker of placement.workers) await on(env, worker, (stub) => stub.tick())
}
