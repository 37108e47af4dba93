/**
 * Load shedding (issue #7): an isolate runs one inference at a time, so
 * requests past a few dozen only queue, and every queued request waits for
 * all the ones before it. Past `MAX_IN_FLIGHT` requests in this isolate
 * (`c.var.limits.maxInFlight`, 0 = no cap) the next one is answered at once
 * with 429 `limit_exceeded` and `Retry-After`, before its body is read.

 *
 * Mount it after `limits()`, on the routes that run a model.
 *
 * @example
 * app.use('/v1/*', limits())
 * app.use('/v1/models/:id/classify', loadShed())
 */
import type { MiddlewareHandler } from 'hono'
import type { LimitsVariables } from './limits.ts'
import { ProblemError } from './problem.ts'

export interface LoadShedOptions {
  /** seconds a shed client is asked to wait (Retry-After) */
  retryAfterSeconds: number
}

/** Caps the requests this middleware's routes serve at once in this isolate; the count lives in the returned handler. */
export function loadShed(options: LoadShedOptions = { retryAfterSeconds: 1 }): MiddlewareHandler<{ Bindings: object; Variables: LimitsVariables }> {
  let inFlight = 0
  return async (c, next) => {
    const max = c.var.limits.maxInFlight
    if (max > 0 && inFlight >= max) {
      throw new ProblemError(
        429,
        'limit_exceeded',
        `This server is already handling MAX_IN_FLIGHT (${max}) requests. Retry after ${options.retryAfterSeconds} s, or send fewer requests at once.`,
        { limit: 'MAX_IN_FLIGHT', max },
        { 'Retry-After': String(options.retryAfterSeconds) },
      )
    }
    inFlight++
    try {
      await next()
    } finally {
      inFlight--
    }
  }
}
