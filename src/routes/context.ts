/** What the classify and tokenize routes hand to the shared operations (src/api/), from Hono's context. */
import type { Context } from 'hono'
import { setMetric } from 'hono/timing'
import type { ApiContext, Phase, PhaseReporter } from '../api/context.ts'
import type { AppEnv } from '../env.ts'

export function apiContext(c: Context<AppEnv>): ApiContext {
  return {
    registry: c.var.registry,
    limits: c.var.limits,
    bucket: c.env.MODELS,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
  }
}

/**
 * Each phase as a Server-Timing metric, set as it ends (so a failure after
 * the load still shows the load); `descriptions` add to the load's.
 */
export function serverTiming(c: Context<AppEnv>, descriptions: Partial<Record<Phase, string>> = {}): PhaseReporter {
  const desc: Partial<Record<Phase, string>> = { load: 'model load (0 when warm)', ...descriptions }
  return (phase, ms) => setMetric(c, phase, ms, desc[phase])
}
