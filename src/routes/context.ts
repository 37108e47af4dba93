/** Server-Timing for the classify and tokenize routes, from the phases the backend reports. */
import type { Context } from 'hono'
import { setMetric } from 'hono/timing'
import type { Phase, PhaseReporter } from '../api/context.ts'
import type { AppEnv } from '../env.ts'

/**
 * Each phase as a Server-Timing metric, set as it ends (so a failure after
 * the load still shows the load); `descriptions` add to the load's.
 */
export function serverTiming(c: Context<AppEnv>, descriptions: Partial<Record<Phase, string>> = {}): PhaseReporter {
  const desc: Partial<Record<Phase, string>> = { load: 'model load (0 when warm)', ...descriptions }
  return (phase, ms) => setMetric(c, phase, ms, desc[phase])
}
