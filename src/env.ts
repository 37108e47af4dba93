/**
 * The Hono environment of the Worker: the generated `Env` bindings (run
 * `npm run types` after changing wrangler.toml) plus per-request variables.
 */
import type { TimingVariables } from 'hono/timing'
import type { Backend } from './api/backend.ts'
import type { LimitsVariables } from './middleware/limits.ts'

/** `Env` plus the optional `API_KEYS` secret (a secret, so `wrangler types` does not see it). */
export type Bindings = Env & { API_KEYS?: string }

export interface Variables extends LimitsVariables, TimingVariables {
  /** where the API's operations run: this isolate's models, or the model Workers behind a router */
  backend: Backend
}

export interface AppEnv {
  Bindings: Bindings
  Variables: Variables
}
