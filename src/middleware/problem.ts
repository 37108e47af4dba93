/**
 * One place that turns every failure into an RFC 9457 problem document:
 * validation failures (the zod-openapi hook), malformed JSON, unknown routes,
 * and errors thrown by the runtime or storage. Errors from other layers are
 * recognised by their `type` field, so this module imports none of them.
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
  method_not_allowed: 'Method not allowed',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  model_unavailable: 'Model unavailable',
  storage_unavailable: 'Storage unavailable',
  over_budget: 'Over the memory budget',
  not_ready: 'Not ready',
  internal: 'Internal error',
}

type Extras = Pick<Problem, 'model' | 'errors' | 'limit' | 'max'> & Record<string, unknown>

/** Throw from a handler to answer with a problem document. */
export class ProblemError extends Error {
  readonly status: ContentfulStatusCode
  readonly problem: ProblemType
  readonly extras: Extras
  readonly headers: Record<string, string>
  override name = 'ProblemError'

  constructor(
    status: ContentfulStatusCode,
    problem: ProblemType,
    detail: string,
    extras: Extras = {},
    headers: Record<string, string> = {},
  ) {
    super(detail)
    this.status = status
    this.problem = problem
    this.extras = extras
    this.headers = headers
  }
}

/** The problem document response. */
export function problemResponse(
  c: Context,
  status: ContentfulStatusCode,
  problem: ProblemType,
  detail: string,
  extras: Extras = {},
  headers: Record<string, string> = {},
): Response {
  const body = problemDocument(status, problem, detail, extras, c.req.path)
  return c.body(JSON.stringify(body), status, { ...headers, 'Content-Type': PROBLEM_CONTENT_TYPE })
}

/** The RFC 9457 document itself, for a transport without a response (RPC: src/rpc/). */
export function problemDocument(
  status: ContentfulStatusCode,
  problem: ProblemType,
  detail: string,
  extras: Extras = {},
  instance?: string,
): Problem {
  return { type: problemTypeUri(problem), title: TITLES[problem], status, detail, ...(instance === undefined ? {} : { instance }), ...extras }
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
    return problemResponse(c, 404, 'not_found', `No model has the id in ${c.req.path}: ids are lowercase letters, digits, ".", "_" or "-". GET /v1/models lists the served models.`)
  }
  const invalid = invalidRequest(result.error)
  return problemResponse(c, invalid.status, invalid.problem, invalid.message, invalid.extras)
}

/** A body that fails its schema: a 422 listing every invalid field (HTTP's hook and RPC share it). */
export function invalidRequest(error: ZodError): ProblemError {
  const errors = (error.issues as Issue[]).map((i) => explain(i))
  const detail = errors.map((e) => `${e.path}: ${e.message}`).join('; ')
  return new ProblemError(422, 'invalid_request', `The request body is invalid. ${detail}.`, { errors })
}

/** Status and problem kind for errors other layers throw, by their `type`. */
const BY_TYPE: Record<string, [ContentfulStatusCode, ProblemType]> = {
  not_found: [404, 'not_found'],
  no_active_version: [503, 'model_unavailable'],
  missing_blob: [503, 'model_unavailable'],
  corrupt: [503, 'model_unavailable'],
  malformed_manifest: [503, 'model_unavailable'],
  ort_error: [503, 'model_unavailable'],
  label_mismatch: [503, 'model_unavailable'],
  storage_unavailable: [503, 'storage_unavailable'],
  over_budget: [503, 'over_budget'],
  too_long: [422, 'too_long'],
}

function typeOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'type' in err && typeof err.type === 'string' ? err.type : undefined
}

function modelOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'modelId' in err && typeof err.modelId === 'string'
    ? err.modelId
    : undefined
}

/** Seconds a 503 error asks the client to wait (the registry's backoff after a failed load), for Retry-After. */
function retryAfterOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'retryAfterSeconds' in err && typeof err.retryAfterSeconds === 'number'
    ? err.retryAfterSeconds
    : undefined
}

/** `app.onError`: every thrown error becomes a problem document; unknown ones are a logged 500. */
export const onError: ErrorHandler = (err, c) => {
  if (err instanceof ProblemError) return problemResponse(c, err.status, err.problem, err.message, err.extras, err.headers)
  if (err instanceof HTTPException) {
    if (err.status === 400 && /JSON/i.test(err.message)) {
      return problemResponse(c, 400, 'malformed_json', `The request body is not valid JSON (${err.message}). Send a JSON object such as {"inputs": "some text"}.`)
    }
    if (err.status === 413) return problemResponse(c, 413, 'payload_too_large', err.message)
    const status = err.status as ContentfulStatusCode
    return problemResponse(c, status, status >= 500 ? 'internal' : 'invalid_request', err.message || TITLES.invalid_request)
  }
  // ORT and classifier errors do not know their model; the route's {id} does.
  const known = asProblem(err, c.req.param('id'))
  if (known) return problemResponse(c, known.status, known.problem, known.message, known.extras, known.headers)
  console.error('unhandled error', err)
  return problemResponse(c, 500, 'internal', UNEXPECTED)
}

/** The detail of a 500 for an error no layer describes. */
export const UNEXPECTED = 'The server failed unexpectedly; the error was logged. Retry, and report it if it persists.'

/**
 * The problem an error stands for: a `ProblemError` as it is, an error of
 * another layer by its `type`; undefined for anything else (a bug: a 500).
 * `model` names the model when the error does not.
 */
export function asProblem(err: unknown, model?: string): ProblemError | undefined {
  if (err instanceof ProblemError) return err
  const mapped = BY_TYPE[typeOf(err) ?? '']
  if (!mapped) return undefined
  const named = modelOf(err) ?? model
  const retryAfter = mapped[0] === 503 ? retryAfterOf(err) : undefined
  const message = err instanceof Error ? err.message : String((err as { message?: unknown }).message)
  return new ProblemError(mapped[0], mapped[1], message, named ? { model: named } : {}, retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) })
}

/** `app.notFound`: unknown paths. */
export const notFound: NotFoundHandler = (c) =>
  problemResponse(c, 404, 'not_found', `There is no route ${c.req.method} ${c.req.path}. GET /openapi.json lists the API.`)
