/**
 * The Classifier entrypoint's methods as seen from another Worker, with no
 * reference to this Worker's bindings, so a consumer can type its binding
 * without compiling this Worker:
 *
 * ```ts
 * interface Env { CLASSIFIER: Service<ClassifierRpc> }
 * ```
 *
 * The entrypoint class implements it, so the two cannot drift. Shapes are
 * the HTTP API's (src/core/schema/request.ts, response.ts).
 */
import type { z } from '@hono/zod-openapi'
import type { ClassifyRequest, TokenizeRequest } from '../core/schema/request.ts'
import type {
  ClassifyResponseSchema,
  LabelScoreSchema,
  ModelDetailSchema,
  ModelListSchema,
  TokenizeResponseSchema,
} from '../core/schema/response.ts'

/** A text, a `{ text, text_pair }`, or a list of those. */
export type Inputs = ClassifyRequest['inputs']
export type ClassifyParameters = NonNullable<ClassifyRequest['parameters']>
export type TokenizeParameters = NonNullable<TokenizeRequest['parameters']>
export type LabelScore = z.infer<typeof LabelScoreSchema>
/** One input: labels sorted by score. A list of inputs: one such list per input, in order. */
export type ClassifyResult = z.infer<typeof ClassifyResponseSchema>
/** One input: its encoding. A list of inputs: one per input. */
export type TokenizeResult = z.infer<typeof TokenizeResponseSchema>
export type ModelList = z.infer<typeof ModelListSchema>
export type ModelDetail = z.infer<typeof ModelDetailSchema>

/** The entrypoint's methods; every failure is a ClassifierError (read it with problemOf, src/rpc/problem.ts). */
export interface ClassifierRpc extends Rpc.WorkerEntrypointBranded {
  /** As `POST /v1/models/{model}/classify` with `{ inputs, parameters }`. */
  classify(model: string, inputs: Inputs, parameters?: ClassifyParameters): Promise<ClassifyResult>
  /** As `POST /v1/models/{model}/tokenize` with `{ inputs, parameters }`. */
  tokenize(model: string, inputs: Inputs, parameters?: TokenizeParameters): Promise<TokenizeResult>
  /** As `GET /v1/models`. */
  models(): Promise<ModelList>
  /** As `GET /v1/models/{model}`. */
  model(model: string): Promise<ModelDetail>
}
