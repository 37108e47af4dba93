/**
 * Request limits, configurable as wrangler vars (src/core/config.ts). They keep one
 * request within the isolate's 128 MB: a padded batch costs memory in
 * proportion to batch size × max_length (× max_length again in attention).
 *
 * @example
 * app.use('/v1/*', limits())
 * // then c.var.limits.maxBatch in handlers
 */
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { configOf, type Limits } from '../core/config.ts'
import { AppError } from '../core/errors.ts'

export interface LimitsVariables {
  limits: Limits
}

/** Sets `c.var.limits` and enforces the body size (413 naming the limit). */
export function limits(): MiddlewareHandler<{ Bindings: object; Variables: LimitsVariables }> {
  return async (c, next) => {
    const l = configOf(c.env).limits
    c.set('limits', l)
    return bodyLimit({
      maxSize: l.maxBodyBytes,
      onError: () => {
        throw new AppError(
          'payload_too_large',
          `The request body is larger than MAX_BODY_BYTES (${l.maxBodyBytes} bytes). Send fewer or shorter inputs.`,
          { extras: { limit: 'MAX_BODY_BYTES', max: l.maxBodyBytes } },
        )
      },
    })(c, next)
  }
}
