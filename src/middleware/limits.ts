/**
 * Request limits (issue #7), configurable as wrangler vars. They keep one
 * request within the isolate's 128 MB: a padded batch costs memory in
 * proportion to batch size × max_length (× max_length again in attention).
 *
 * @example
 * app.use('/v1/*', limits())
 * // then c.var.limits.maxBatch in handlers
 */
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { ProblemError } from './problem.ts'

export interface Limits {
  /** MAX_BODY_BYTES: request body bytes */
  maxBodyBytes: number
  /** MAX_BATCH: inputs per request */
  maxBatch: number
  /** MAX_INPUT_CHARS: UTF-16 code units per text */
  maxInputChars: number
  /** MAX_LENGTH: tokens per input, including special tokens */
  maxLength: number
  /** MAX_IN_FLIGHT: classify requests one isolate serves at once, beyond which it sheds with 429 (0 = no cap) */
  maxInFlight: number
}

export interface LimitsVariables {
  limits: Limits
}

export const DEFAULT_LIMITS: Limits = { maxBodyBytes: 262_144, maxBatch: 16, maxInputChars: 10_000, maxLength: 512, maxInFlight: 32 }

const VARS: Record<keyof Limits, string> = {
  maxBodyBytes: 'MAX_BODY_BYTES',
  maxBatch: 'MAX_BATCH',
  maxInputChars: 'MAX_INPUT_CHARS',
  maxLength: 'MAX_LENGTH',
  maxInFlight: 'MAX_IN_FLIGHT',
}

/** Limits where 0 means "no limit". */
const ZERO_IS_OFF = new Set<keyof Limits>(['maxInFlight'])

/** Reads the limits from the Worker's vars; a var that is not a positive integer (or 0 where that means off) is a configuration error. */
export function parseLimits(vars: Record<string, unknown>): Limits {
  const out = { ...DEFAULT_LIMITS }
  for (const key of Object.keys(VARS) as (keyof Limits)[]) {
    const raw = vars[VARS[key]]
    if (raw === undefined || raw === '') continue
    const n = Number(raw)
    const min = ZERO_IS_OFF.has(key) ? 0 : 1
    if (!Number.isInteger(n) || n < min) {
      const want = min === 0 ? 'a whole number (0 turns it off)' : 'a positive integer'
      throw new ProblemError(500, 'internal', `The Worker's ${VARS[key]} var is "${String(raw)}"; set it to ${want} in wrangler.toml.`)
    }
    out[key] = n
  }
  return out
}

/** Sets `c.var.limits` and enforces the body size (413 naming the limit). */
export function limits(): MiddlewareHandler<{ Bindings: object; Variables: LimitsVariables }> {
  return async (c, next) => {
    const l = parseLimits(c.env as Record<string, unknown>)
    c.set('limits', l)
    return bodyLimit({
      maxSize: l.maxBodyBytes,
      onError: () => {
        throw new ProblemError(
          413,
          'payload_too_large',
          `The request body is larger than MAX_BODY_BYTES (${l.maxBodyBytes} bytes). Send fewer or shorter inputs.`,
          { limit: 'MAX_BODY_BYTES', max: l.maxBodyBytes },
        )
      },
    })(c, next)
  }
}
