/**
 * The RPC entrypoint other Workers bind, as Workers AI offers `env.AI.run`:
 *
 * ```toml
 * services = [{ binding = "CLASSIFIER", service = "edge-classify", entrypoint = "Classifier" }]
 * ```
 *
 * A thin shell over the operations the HTTP routes run (src/api/backend.ts):
 * the same inputs, parameters and answers, the same validation and limits
 * (MAX_BODY_BYTES on the request as JSON, MAX_BATCH, MAX_INPUT_CHARS,
 * MAX_LENGTH, and MAX_IN_FLIGHT shared with HTTP's classify where inference
 * runs). Failures are thrown as `ClassifierError`s that carry the problem
 * document (src/rpc/problem.ts). API keys do not apply: only Workers of the
 * same account that bind the service can call it.
 *
 * The backend comes from the module that exports the class: a model Worker
 * exports it over its own registry, the router over its model Workers.
 */
import { WorkerEntrypoint } from 'cloudflare:workers'
import type { Backend } from '../api/backend.ts'
import { modelIdOf, parseRequest } from '../api/validate.ts'
import { configOf, type Limits } from '../core/config.ts'
import { ClassifyRequestSchema, TokenizeRequestSchema } from '../core/schema/request.ts'
import type { Bindings } from '../env.ts'
import { type InFlightGate, SHED_RETRY_SECONDS } from '../middleware/load-shed.ts'
import { rpcError } from './errors.ts'
import type {
  ClassifierRpc,
  ClassifyParameters,
  ClassifyResult,
  Inputs,
  ModelDetail,
  ModelList,
  TokenizeParameters,
  TokenizeResult,
} from './types.ts'

export interface ClassifierDeps {
  /** the backend of one call */
  backendFor(env: Bindings, ctx: ExecutionContext): Backend
  /** HTTP classify's MAX_IN_FLIGHT count, so both ways share one cap; absent where no inference runs (the router) */
  inFlight?: InFlightGate
}

/** The `Classifier` entrypoint class over `deps`; export it from the Worker's main module under that name. */
export function classifierEntrypoint(deps: ClassifierDeps) {
  return class Classifier extends WorkerEntrypoint<Bindings> implements ClassifierRpc {
    /**
     * Classifies `inputs` with model `model`, as `POST /v1/models/{model}/classify`:
     * one input gives `[{ label, score }]` sorted by score, a list gives one such list per input.
     */
    async classify(model: string, inputs: Inputs, parameters?: ClassifyParameters): Promise<ClassifyResult> {
      return this.#run(model, async (backend, limits) => {
        const id = modelIdOf(model)
        const release = deps.inFlight?.enter(limits.maxInFlight, SHED_RETRY_SECONDS)
        try {
          const request = parseRequest(ClassifyRequestSchema, { inputs, parameters }, limits)
          return (await backend.classify(id, request)).body
        } finally {
          release?.()
        }
      })
    }

    /** The tokenizer output of model `model` for `inputs`, as `POST /v1/models/{model}/tokenize`. */
    async tokenize(model: string, inputs: Inputs, parameters?: TokenizeParameters): Promise<TokenizeResult> {
      return this.#run(model, async (backend, limits) => {
        const id = modelIdOf(model)
        const request = parseRequest(TokenizeRequestSchema, { inputs, parameters }, limits)
        return (await backend.tokenize(id, request)).body
      })
    }

    /** The published models, as `GET /v1/models`. */
    async models(): Promise<ModelList> {
      return this.#run(undefined, (backend) => backend.models())
    }

    /** One model, its versions and load state, as `GET /v1/models/{model}`. */
    async model(model: string): Promise<ModelDetail> {
      return this.#run(model, (backend) => backend.model(modelIdOf(model)))
    }

    /**
     * Runs `operation` with this call's backend; every failure leaves as a
     * ClassifierError naming `model` (when it is one) as HTTP names the path's id.
     */
    async #run<T>(model: unknown, operation: (backend: Backend, limits: Limits) => Promise<T>): Promise<T> {
      try {
        return await operation(deps.backendFor(this.env, this.ctx), configOf(this.env).limits)
      } catch (error) {
        throw rpcError(error, typeof model === 'string' ? model : undefined)
      }
    }
  }
}
