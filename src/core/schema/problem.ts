/**
 * RFC 9457 problem details: the body of every error response
 * (`application/problem+json`). `type` is a URN naming the problem kind, so
 * clients can branch on it; `detail` tells the caller what to change.
 */
import { z } from '@hono/zod-openapi'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

/** The problem kinds this API returns. */
export type ProblemType =
  | 'malformed_json'
  | 'unsupported_media_type'
  | 'invalid_request'
  | 'too_long'
  | 'limit_exceeded'
  | 'payload_too_large'
  | 'not_found'
  | 'conflict'
  | 'method_not_allowed'
  | 'unauthorized'
  | 'forbidden'
  | 'model_unavailable'
  | 'storage_unavailable'
  | 'over_budget'
  | 'not_ready'
  | 'internal'

export const problemTypeUri = (type: ProblemType): string => `urn:edge-classify:problem:${type}`

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: problemTypeUri('invalid_request') }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().openapi({ description: 'what went wrong and what to change' }),
    instance: z.string().optional(),
    model: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'each invalid field of the request' }),
    limit: z.string().optional().openapi({ description: 'the name of the limit that was exceeded' }),
    max: z.number().optional().openapi({ description: "the limit's value" }),
  })
  .openapi('Problem')

export type Problem = z.infer<typeof ProblemSchema>
