/**
 * What an API operation needs from its transport: this isolate's registry,
 * the configured limits, the models bucket, and a way to keep background work
 * alive. The HTTP routes build one from Hono's context, the RPC entrypoint
 * from its `env` and `ctx`, so both run the same code.
 */
import { type Limits } from '../core/config.ts'
import type { ModelRegistry } from '../models/registry.ts'

export interface ApiContext {
  registry: ModelRegistry
  limits: Limits
  /** the MODELS R2 binding, for the model listing */
  bucket: R2Bucket
  /** `ctx.waitUntil`: a manifest re-check that runs past the answer */
  waitUntil(promise: Promise<unknown>): void
}

/** The phases a classify or tokenize reports, in ms, as each ends (HTTP turns them into Server-Timing). */
export type Phase = 'load' | 'tokenize' | 'infer'

export type PhaseReporter = (phase: Phase, ms: number) => void

/** An answer and the model version that gave it (HTTP's X-Model-Version). */
export interface Answer<T> {
  body: T
  version: string
}
