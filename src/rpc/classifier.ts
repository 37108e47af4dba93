/**
 * The RPC entrypoint other Workers bind, as Workers AI offers `env.AI.run`:
 *
 * ```toml
 * services = [{ binding = "CLASSIFIER", service = "edge-classify", entrypoint = "Classifier" }]
 * ```
 *
 * A thin shell over the operations the HTTP routes run (src/api/): the same
 * inputs, parameters and answers, the same validation and limits (MAX_BODY_BYTES
 * on the request as JSON, MAX_BATCH, MAX_INPUT_CHARS, MAX_LENGTH, and
 * MAX_IN_FLIGHT shared with HTTP's classify). Failures are thrown as
 * `ClassifierError`s that carry the problem document (src/rpc/problem.ts).
 * API keys do not apply: only Workers of the same account that bind the
 * service can call it.
 *
 * It takes the registry from the module that exports it, so a model Worker
 * can export the same class over its own registry.
 */
import { WorkerEntrypoint } from 'cloudflare:workers'
import { classifyRequest } from '../api/classify.ts'
import type { ApiContext } from '../api/context.ts'
import { describeModel, listModels } from '../api/models.ts'
import { tokenizeRequest } from '../api/tokenize.ts'
import { modelIdOf, parseRequest } from '../api/validate.ts'
import type { Bindings } from '../env.ts'
import type { InFlightGate } from '../middleware/load-shed.ts'
import { asProblem, problemDocument, UNEXPECTED } from '../middleware/problem.ts'
import type { ModelRegistry } from '../models/registry.ts'
import { ClassifyRequestSchema, TokenizeRequestSchema } from '../core/schema/request.ts'
import { configOf } from '../core/config.ts'
import { ClassifierError } from './problem.ts'
import type { ClassifierRpc, ClassifyParameters, ClassifyResult, Inputs, ModelDetail, ModelList, TokenizeParameters, TokenizeResult } from './types.ts'

/** Seconds a caller shed by MAX_IN_FLIGHT is asked to wait, as HTTP's loadShed() asks. */
const SHED_RETRY_SECONDS = 1

/** Any failure as a ClassifierError: the problem HTTP would answer, or a logged 500. */
function rpcError(error: unknown, model?: string): ClassifierError {
  const known = asProblem(error, model)
  if (known === undefined) {
    console.error('unhandled error', error)
    return new ClassifierError(problemDocument(500, 'internal', UNEXPECTED))
  }
  const extras = known.model === undefined ? known.extras : { model: known.model, ...known.extras }
  const problem = problemDocument(known.status, known.problemType, known.message, extras)
  return new ClassifierError(known.retryAfterSeconds === undefined ? problem : { ...problem, retry_after: known.retryAfterSeconds })
}

export interface ClassifierDeps {
  /** this isolate's registry (one per isolate, shared with HTTP) */
  registryFor(env: Bindings): ModelRegistry
  /** HTTP classify's MAX_IN_FLIGHT count, so both ways share one cap */
  inFlight: InFlightGate
}

/** The `Classifier` entrypoint class over `deps`; export it from the Worker's main module under that name. */
export function classifierEntrypoint(deps: ClassifierDeps) {
  return class Classifier extends WorkerEntrypoint<Bindings> implements ClassifierRpc {
    /**
     * Classifies `inputs` with model `model`, as `POST /v1/models/{model}/classify`:
     * one input gives `[{ label, score }]` sorted by score, a list gives one such list per input.
     */
    async classify(model: string, inputs: Inputs, parameters?: ClassifyParameters): Promise<ClassifyResult> {
      return this.#run(model, async (ctx) => {
        const id = modelIdOf(model)
        const release = deps.inFlight.enter(ctx.limits.maxInFlight, SHED_RETRY_SECONDS)
        try {
          const request = parseRequest(ClassifyRequestSchema, { inputs, parameters }, ctx.limits)
          return (await classifyRequest(ctx, id, request)).body
        } finally {
          release()
        }
      })
    }

    /** The tokenizer output of model `model` for `inputs`, as `POST /v1/models/{model}/tokenize`. */
    async tokenize(model: string, inputs: Inputs, parameters?: TokenizeParameters): Promise<TokenizeResult> {
      return this.#run(model, async (ctx) => {
        const id = modelIdOf(model)
        const request = parseRequest(TokenizeRequestSchema, { inputs, parameters }, ctx.limits)
        return (await tokenizeRequest(ctx, id, request)).body
      })
    }

    /** The published models, as `GET /v1/models`. */
    async models(): Promise<ModelList> {
      return this.#run(undefined, (ctx) => listModels(ctx.bucket, ctx.registry))
    }

    /** One model, its versions and load state, as `GET /v1/models/{model}`. */
    async model(model: string): Promise<ModelDetail> {
      return this.#run(model, (ctx) => describeModel(ctx.bucket, ctx.registry, modelIdOf(model)))
    }

    /**
     * Runs `operation` with this call's context; every failure leaves as a
     * ClassifierError naming `model` (when it is one) as HTTP names the path's id.
     */
    async #run<T>(model: unknown, operation: (ctx: ApiContext) => Promise<T>): Promise<T> {
      try {
        const ctx: ApiContext = {
          registry: deps.registryFor(this.env),
          limits: configOf(this.env).limits,
          bucket: this.env.MODELS,
          waitUntil: (p) => this.ctx.waitUntil(p),
        }
        return await operation(ctx)
      } catch (error) {
        throw rpcError(error, typeof model === 'string' ? model : undefined)
      }
    }
  }
}
