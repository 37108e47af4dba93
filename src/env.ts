/**
 * The Hono environment of the Worker: the generated `Env` bindings (run
 * `npm run types` after changing wrangler.toml) plus per-request variables.
 */
import type { TimingVariables } from 'hono/timing'
import type { LimitsVariables } from './middleware/limits.ts'
import type { ModelRegistry } from './models/registry.ts'

/** `Env` plus the optional `API_KEYS` secret (a secret, so `wrangler types` does not see it). */
export type Bindings = Env & { API_KEYS?: string }

export interface Variables extends LimitsVariables, TimingVariables {
  /** this isolate's live models */
  registry: ModelRegistry
}

export interface AppEnv {
  Bindings: Bindings
  Variables: Variables
}
