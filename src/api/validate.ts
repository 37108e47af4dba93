/**
 * Checks HTTP gets from its router and zod-openapi's validator, for callers
 * that hand over plain values (RPC): the model id, the request's schema, and
 * MAX_BODY_BYTES on the request as JSON. Failures are the same problems HTTP
 * answers with.
 */
import type { z } from '@hono/zod-openapi'
import { type Limits } from '../core/config.ts'
import { invalidRequest } from '../middleware/problem.ts'
import { MODEL_ID_PATTERN } from '../core/schema/manifest.ts'
import { AppError } from '../core/errors.ts'

/** `id` as a model id, or HTTP's 404 for a path id that cannot be one. */
export function modelIdOf(id: unknown): string {
  if (typeof id === 'string' && MODEL_ID_PATTERN.test(id)) return id
  const shown = typeof id === 'string' ? JSON.stringify(id) : `a ${typeof id}`
  throw new AppError(
    'not_found',
    `No model has the id ${shown}: ids are lowercase letters, digits, ".", "_" or "-". models() lists the served models.`,
  )
}

/**
 * `request` parsed with `schema` (HTTP's 422 otherwise), then held to
 * MAX_BODY_BYTES as the JSON body HTTP would have received: the limit bounds
 * the same request whichever way it arrives.
 */
export function parseRequest<S extends z.ZodType>(schema: S, request: unknown, limits: Limits): z.infer<S> {
  const parsed = schema.safeParse(request)
  if (!parsed.success) throw invalidRequest(parsed.error)
  const bytes = new TextEncoder().encode(JSON.stringify(parsed.data)).byteLength
  if (bytes > limits.maxBodyBytes) {
    throw new AppError(
      'payload_too_large',
      `The request as JSON is ${bytes} bytes, larger than MAX_BODY_BYTES (${limits.maxBodyBytes} bytes). Send fewer or shorter inputs.`,
      { extras: { limit: 'MAX_BODY_BYTES', max: limits.maxBodyBytes } },
    )
  }
  return parsed.data
}
