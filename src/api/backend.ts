/**
 * Where the API's operations run. A model Worker (and the one-Worker layout)
 * runs them on its own registry (`localBackend`); the router runs them on the
 * model Worker that serves each model, over RPC (src/router/remote.ts). The
 * routes are written once, over this interface.
 */
import type { z } from '@hono/zod-openapi'
import type { ClassifyRequest, TokenizeRequest } from '../core/schema/request.ts'
import type { IsolateSchema, ReadySchema } from '../core/schema/response.ts'
import type { ClassifyResult } from './classify.ts'
import type { PhaseReporter } from './context.ts'
import type { ModelDetail, ModelList } from './models.ts'
import type { TokenizeResult } from './tokenize.ts'

/** An answer and the model version that gave it (X-Model-Version). */
export interface Served<T> {
  body: T
  version: string
}

export type Isolate = z.infer<typeof IsolateSchema>
export type ReadyModel = z.infer<typeof ReadySchema>['models'][string]

/** What `/readyz` reports: every default model's state, each isolate's memory, and why it is not ready, if it is not. */
export interface Readiness {
  models: Record<string, ReadyModel>
  isolates: Isolate[]
  /** empty when ready */
  reasons: string[]
}

/** `report` hears each phase's ms (HTTP's Server-Timing) as this backend learns it. */
export interface Backend {
  classify(id: string, request: ClassifyRequest, report?: PhaseReporter): Promise<Served<ClassifyResult>>
  tokenize(id: string, request: TokenizeRequest, report?: PhaseReporter): Promise<Served<TokenizeResult>>
  models(): Promise<ModelList>
  model(id: string): Promise<ModelDetail>
  readiness(): Promise<Readiness>
}
