/**
 * One place that turns every failure into an RFC 9457 problem document:
 * validation failures (the zod-openapi hook), malformed JSON, unknown routes,
 * and the `AppError`s every layer throws, by their kind (src/core/errors.ts).
 *
 * @example
 * const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
 * app.onError(onError)
 * app.notFound(notFound)
 */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ZodError } from 'zod'
import { AppError, aboutModel, type ProblemExtras } from '../core/errors.ts'
import { PROBLEM_CONTENT_TYPE, problemTypeUri } from '../core/schema/problem.ts'
import type { Problem, ProblemType } from '../core/schema/problem.ts'

const TITLES: Record<ProblemType, string> = {
  malformed_json: 'Malformed JSON',
  unsupported_media_type: 'Unsupported media type',
  invalid_request: 'Invalid request',
  too_long: 'Input too long',
  limit_exceeded: 'Limit exceeded',
  payload_too_large: 'Payload too large',
  not_found: 'Not found',
  conflict: 'Conflict',
  method_not_allowed: 'Method not allowed',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  model_unavailable: 'Model unavailable',
  storage_unavailable: 'Storage unavailable',
  over_budget: 'Over the memory budget',
  not_ready: 'Not ready',
  internal: 'Internal error',
}

/** The problem document response. */
export function problemResponse(
  c: Context,
  status: ContentfulStatusCode,
  problem: ProblemType,
  detail: string,
  extras: ProblemExtras = {},
  headers: Record<string, string> = {},
): Response {
  const body = problemDocument(status, problem, detail, extras, c.req.path)
  return c.body(JSON.stringify(body), status, { ...headers, 'Content-Type': PROBLEM_CONTENT_TYPE })
}

/** An `AppError`'s problem document response, with Retry-After when it says how long to wait. */
export function errorResponse(c: Context, error: AppError): Response {
  const retry: Record<string, string> = error.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(error.retryAfterSeconds) }
  const headers = { ...error.headers, ...retry, 'Content-Type': PROBLEM_CONTENT_TYPE }
  return c.body(JSON.stringify(errorDocument(error, c.req.path)), error.status, headers)
}

/** An `AppError`'s problem document: HTTP's body, and what RPC carries (src/rpc/errors.ts). */
export function errorDocument(error: AppError, instance?: string): Problem {
  const extras = error.model === undefined ? error.extras : { model: error.model, ...error.extras }
  return problemDocument(error.status, error.problemType, error.message, extras, instance)
}

/** The RFC 9457 document itself, for a transport without a response (RPC: src/rpc/). */
export function problemDocument(
  status: ContentfulStatusCode,
  problem: ProblemType,
  detail: string,
  extras: ProblemExtras = {},
  instance?: string,
): Problem {
  return {
    type: problemTypeUri(problem),
    title: TITLES[problem],
    status,
    detail,
    ...(instance === undefined ? {} : { instance }),
    ...extras,
  }
}

interface Issue {
  code: string
  path: PropertyKey[]
  message: string
  errors?: Issue[][]
}

/**
 * The issue worth showing for a union failure: a branch that got past the
 * type check (an empty string, an unknown key) says more than "wrong type".
 */
function explain(issue: Issue, prefix: PropertyKey[] = []): { path: string; message: string } {
  const path = [...prefix, ...issue.path]
  if (issue.code === 'invalid_union' && issue.errors) {
    const deeper = issue.errors.flat().filter((i) => i.code !== 'invalid_type' || i.path.length > 0)
    if (deeper.length > 0 && deeper[0]) return explain(deeper[0], path)
    if (path[0] === 'inputs') {
      return {
        path: path.join('.'),
        message: 'must be a string, an object {"text", "text_pair"}, or a non-empty array of those',
      }
    }
  }
  return { path: path.join('.') || '(body)', message: issue.message }
}

/**
 * zod-openapi's hook: a body that fails its schema becomes a 422 listing every
 * invalid field; a path id that cannot be a model id is a 404.
 */
export function validationHook(
  result: { target: string } & ({ success: true; data: unknown } | { success: false; error: ZodError }),
  c: Context,
): Response | undefined {
  if (result.success) return undefined
  if (result.target === 'param') {
    return errorResponse(
      c,
      new AppError(
        'not_found',
        `No model has the id in ${c.req.path}: ids are lowercase letters, digits, ".", "_" or "-". GET /v1/models lists the served models.`,
      ),
    )
  }
  return errorResponse(c, invalidRequest(result.error))
}

/** A body that fails its schema: a 422 listing every invalid field (HTTP's hook and RPC share it). */
export function invalidRequest(error: ZodError): AppError {
  const errors = (error.issues as Issue[]).map((i) => explain(i))
  const detail = errors.map((e) => `${e.path}: ${e.message}`).join('; ')
  return new AppError('invalid_request', `The request body is invalid. ${detail}.`, { extras: { errors } })
}

/** `app.onError`: every thrown error becomes a problem document; unknown ones are a logged 500. */
export const onError: ErrorHandler = (err, c) => {
  if (err instanceof HTTPException) {
    if (err.status === 400 && /JSON/i.test(err.message)) {
      return problemResponse(
        c,
        400,
        'malformed_json',
        `The request body is not valid JSON (${err.message}). Send a JSON object such as {"inputs": "some text"}.`,
      )
    }
    if (err.status === 413) return problemResponse(c, 413, 'payload_too_large', err.message)
    const status = err.status as ContentfulStatusCode
    return problemResponse(c, status, status >= 500 ? 'internal' : 'invalid_request', err.message || TITLES.invalid_request)
  }
  // ORT and classifier errors do not know their model; the route's {id} does.
  const known = asProblem(err, c.req.param('id'))
  if (known) return errorResponse(c, known)
  console.error('unhandled error', err)
  return problemResponse(c, 500, 'internal', UNEXPECTED)
}

/** The detail of a 500 for an error no layer describes. */
export const UNEXPECTED = 'The server failed unexpectedly; the error was logged. Retry, and report it if it persists.'

/**
 * The `AppError` an error stands for, naming `model` when it is about a model
 * and names none; undefined for anything else (a bug: a 500).
 */
export function asProblem(err: unknown, model?: string): AppError | undefined {
  if (!(err instanceof AppError)) return undefined
  if (err.model !== undefined || model === undefined || !aboutModel(err.kind)) return err
  const { kind, message, retryAfterSeconds, extras, headers } = err
  return new AppError(kind, message, {
    cause: err.cause,
    model,
    extras,
    headers,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  })
}

/** `app.notFound`: unknown paths. */
export const notFound: NotFoundHandler = (c) =>
  problemResponse(c, 404, 'not_found', `There is no route ${c.req.method} ${c.req.path}. GET /openapi.json lists the API.`)
