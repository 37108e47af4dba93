/**
 * The entrypoint the router calls on a model Worker (`entrypoint = "Serving"`
 * in its service bindings): the HTTP API's operations on this isolate's
 * registry, answering what HTTP needs beside the body (the model version and
 * each phase's ms). Failures leave as ClassifierErrors with the problem HTTP
 * would answer (src/rpc/errors.ts), which the router answers as they are.
 */
import { WorkerEntrypoint } from 'cloudflare:workers'
import type { Backend, Readiness, Served } from '../api/backend.ts'
import type { ClassifyResult } from '../api/classify.ts'
import type { Phase, PhaseReporter } from '../api/context.ts'
import type { ModelDetail, ModelList } from '../api/models.ts'
import type { TokenizeResult } from '../api/tokenize.ts'
import { modelIdOf, parseRequest } from '../api/validate.ts'
import { configOf, type Limits } from '../core/config.ts'
import type { ClassifyRequest, TokenizeRequest } from '../core/schema/request.ts'
import { ClassifyRequestSchema, TokenizeRequestSchema } from '../core/schema/request.ts'
import type { Bindings } from '../env.ts'
import { type InFlightGate, SHED_RETRY_SECONDS } from '../middleware/load-shed.ts'
import type { RolloutOutcome } from '../models/rollout.ts'
import { rpcError } from './errors.ts'

/** A served answer and its phases, as they cross to the router. */
export type Timed<T> = Served<T> & { phases: Partial<Record<Phase, number>> }

/** The Serving entrypoint's methods, as the router's service bindings see them. */
export interface ServingRpc extends Rpc.WorkerEntrypointBranded {
  classify(id: string, request: ClassifyRequest): Promise<Timed<ClassifyResult>>
  tokenize(id: string, request: TokenizeRequest): Promise<Timed<TokenizeResult>>
  models(): Promise<ModelList>
  model(id: string): Promise<ModelDetail>
  readiness(): Promise<Readiness>
  /** runs this Worker's cron tick now: the router's scheduled handler reaches every model Worker this way */
  tick(): Promise<RolloutOutcome[]>
}

export interface ServingDeps {
  /** the backend of one call: this isolate's models, as HTTP and the Classifier entrypoint see them */
  backendFor(env: Bindings, ctx: ExecutionContext): Backend
  /** HTTP classify's MAX_IN_FLIGHT count, so every way in shares one cap */
  inFlight: InFlightGate
  /** this Worker's cron tick (its scheduled handler) */
  tick(env: Bindings): Promise<RolloutOutcome[]>
}

/** Runs `serve`, collecting the phases it reports, so they cross with its answer. */
async function timed<T>(serve: (report: PhaseReporter) => Promise<Served<T>>): Promise<Timed<T>> {
  const phases: Timed<T>['phases'] = {}
  const served = await serve((phase, ms) => (phases[phase] = ms))
  return { ...served, phases }
}

export function servingEntrypoint(deps: ServingDeps) {
  return class Serving extends WorkerEntrypoint<Bindings> implements ServingRpc {
    async classify(id: string, request: ClassifyRequest): Promise<Timed<ClassifyResult>> {
      return this.#run(id, async (backend, limits) => {
        const release = deps.inFlight.enter(limits.maxInFlight, SHED_RETRY_SECONDS)
        try {
          return await timed((report) => backend.classify(modelIdOf(id), parseRequest(ClassifyRequestSchema, request, limits), report))
        } finally {
          release()
        }
      })
    }

    async tokenize(id: string, request: TokenizeRequest): Promise<Timed<TokenizeResult>> {
      return this.#run(id, (backend, limits) =>
        timed((report) => backend.tokenize(modelIdOf(id), parseRequest(TokenizeRequestSchema, request, limits), report)),
      )
    }

    async models(): Promise<ModelList> {
      return this.#run(undefined, (backend) => backend.models())
    }

    async model(id: string): Promise<ModelDetail> {
      return this.#run(id, (backend) => backend.model(modelIdOf(id)))
    }

    async readiness(): Promise<Readiness> {
      return this.#run(undefined, (backend) => backend.readiness())
    }

    async tick(): Promise<RolloutOutcome[]> {
      return this.#run(undefined, () => deps.tick(this.env))
    }

    async #run<T>(model: string | undefined, operation: (backend: Backend, limits: Limits) => Promise<T>): Promise<T> {
      try {
        return await operation(deps.backendFor(this.env, this.ctx), configOf(this.env).limits)
      } catch (error) {
        throw rpcError(error, model)
      }
    }
  }
}
