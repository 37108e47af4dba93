/**
 * Load shedding: an isolate runs one inference at a time, so
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
import { AppError } from '../core/errors.ts'

export interface LoadShedOptions {
  /** seconds a shed client is asked to wait (Retry-After) */
  retryAfterSeconds: number
}

/**
 * The count of model runs in flight in this isolate. HTTP's classify route
 * and the RPC entrypoint share one, since both queue on the same inference.
 */
export class InFlightGate {
  #inFlight = 0

  /** Counts one more run, or throws the 429 when `max` (0 = no cap) are already in flight; call the returned release once. */
  enter(max: number, retryAfterSeconds: number): () => void {
    if (max > 0 && this.#inFlight >= max) {
      throw new AppError(
        'overloaded',
        `This server is already handling MAX_IN_FLIGHT (${max}) requests. Retry after ${retryAfterSeconds} s, or send fewer requests at once.`,
        { extras: { limit: 'MAX_IN_FLIGHT', max }, retryAfterSeconds: retryAfterSeconds },
      )
    }
    this.#inFlight++
    let released = false
    return () => {
      if (released) return
      released = true
      this.#inFlight--
    }
  }
}

/** Seconds a request shed by MAX_IN_FLIGHT is asked to wait, over HTTP and RPC alike. */
export const SHED_RETRY_SECONDS = 1

/** Caps the requests this middleware's routes serve at once in this isolate; the count lives in `gate` (by default one of its own). */
export function loadShed(
  options: LoadShedOptions = { retryAfterSeconds: SHED_RETRY_SECONDS },
  gate: InFlightGate = new InFlightGate(),
): MiddlewareHandler<{ Bindings: object; Variables: LimitsVariables }> {
  return async (c, next) => {
    const release = gate.enter(c.var.limits.maxInFlight, options.retryAfterSeconds)
    try {
      await next()
    } finally {
      release()
    }
  }
}
