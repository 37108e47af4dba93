/**
 * The one error type of the project. Every layer (tokenizers, storage, the
 * registry, the routes, the pipeline) throws an `AppError` whose `kind` says
 * what went wrong; its message says what to change. `PROBLEM_OF` gives each
 * kind its HTTP status and problem type, and the compiler checks that no kind
 * is left out.
 *
 * @example
 * throw new AppError('not_found', `No model "${id}" is published.`, { model: id })
 */
import type { ProblemType } from './schema/problem.ts'

/** What went wrong, finer than the problem types a client sees. */
export type ErrorKind =
  // The request: the caller changes it.
  | 'malformed_json'
  | 'unsupported_media_type'
  | 'invalid_request'
  | 'method_not_allowed'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  /** the input needs more tokens than max_length and truncation is off */
  | 'too_long'
  /** the body is larger than MAX_BODY_BYTES */
  | 'payload_too_large'
  /** more inputs or longer texts than the Worker's limits */
  | 'limit_exceeded'
  /** a parameter (max_length) above the Worker's limit */
  | 'parameter_over_limit'
  /** MAX_IN_FLIGHT requests are already running */
  | 'overloaded'
  /** encode options that cannot be honoured (max_length below the special-token count) */
  | 'invalid_options'
  // A model that cannot serve: its stored data or its version is at fault.
  | 'no_active_version'
  | 'missing_blob'
  /** bytes or a manifest that fail their checks */
  | 'corrupt'
  | 'malformed_manifest'
  | 'ort_error'
  /** the model's output does not match its labels */
  | 'label_mismatch'
  /** a version that loads but does not answer as it did at publish */
  | 'smoke_failed'
  /** tokenizer.json names a component this code does not implement */
  | 'unsupported_component'
  /** tokenizer.json is malformed or inconsistent */
  | 'invalid_tokenizer'
  /** compiled tokenizer bytes are not ours, truncated, or of another format version */
  | 'invalid_format'
  // The server: retry later, or fix its configuration.
  | 'storage_unavailable'
  /** the router could not reach the model Worker that serves a model */
  | 'worker_unavailable'
  | 'over_budget'
  | 'not_ready'
  /** a wrangler var that cannot be parsed */
  | 'misconfigured'
  | 'internal'
  // The pipeline (`npm run models`): the model folder, the files or the command line.
  | 'usage'
  | 'invalid_id'
  | 'missing_file'
  | 'invalid_config'
  | 'unsupported_architecture'
  | 'unsupported_model'
  | 'checkpoint_mismatch'
  | 'invalid_safetensors'
  | 'invalid_onnx'
  | 'verification_failed'
  | 'unknown_version'
  /** the manifest changed between this command's read and its write */
  | 'conflict'
  | 'nothing_to_roll_back'

/** The statuses an `AppError` answers with. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 500 | 503

/**
 * Each kind's HTTP status and problem type. The pipeline's kinds never reach
 * HTTP today; they map to what a request carrying that input would get.
 */
export const PROBLEM_OF = {
  malformed_json: [400, 'malformed_json'],
  unsupported_media_type: [415, 'unsupported_media_type'],
  invalid_request: [422, 'invalid_request'],
  method_not_allowed: [405, 'method_not_allowed'],
  not_found: [404, 'not_found'],
  unauthorized: [401, 'unauthorized'],
  forbidden: [403, 'forbidden'],
  too_long: [422, 'too_long'],
  payload_too_large: [413, 'payload_too_large'],
  limit_exceeded: [413, 'limit_exceeded'],
  parameter_over_limit: [422, 'limit_exceeded'],
  overloaded: [429, 'limit_exceeded'],
  invalid_options: [422, 'invalid_request'],
  no_active_version: [503, 'model_unavailable'],
  missing_blob: [503, 'model_unavailable'],
  corrupt: [503, 'model_unavailable'],
  malformed_manifest: [503, 'model_unavailable'],
  ort_error: [503, 'model_unavailable'],
  label_mismatch: [503, 'model_unavailable'],
  smoke_failed: [503, 'model_unavailable'],
  unsupported_component: [503, 'model_unavailable'],
  invalid_tokenizer: [503, 'model_unavailable'],
  invalid_format: [503, 'model_unavailable'],
  storage_unavailable: [503, 'storage_unavailable'],
  worker_unavailable: [503, 'model_unavailable'],
  over_budget: [503, 'over_budget'],
  not_ready: [503, 'not_ready'],
  misconfigured: [500, 'internal'],
  internal: [500, 'internal'],
  usage: [422, 'invalid_request'],
  invalid_id: [422, 'invalid_request'],
  missing_file: [422, 'invalid_request'],
  invalid_config: [422, 'invalid_request'],
  unsupported_architecture: [422, 'invalid_request'],
  unsupported_model: [422, 'invalid_request'],
  checkpoint_mismatch: [422, 'invalid_request'],
  invalid_safetensors: [422, 'invalid_request'],
  invalid_onnx: [422, 'invalid_request'],
  verification_failed: [422, 'invalid_request'],
  unknown_version: [404, 'not_found'],
  conflict: [409, 'conflict'],
  nothing_to_roll_back: [422, 'invalid_request'],
} as const satisfies { readonly [K in ErrorKind]: readonly [ErrorStatus, ProblemType] }

/** Fields a problem document may carry beside type, title, status and detail. */
export interface ProblemExtras {
  /** each invalid field of the request */
  errors?: Array<{ path: string; message: string }>
  /** the name of the limit that was exceeded, and its value */
  limit?: string
  max?: number
  [field: string]: unknown
}

export interface AppErrorOptions {
  cause?: unknown
  /** the model the error is about */
  model?: string
  /** seconds the client should wait before retrying (Retry-After) */
  retryAfterSeconds?: number
  extras?: ProblemExtras
  /** response headers beside Retry-After (a 401's WWW-Authenticate) */
  headers?: Record<string, string>
}

export class AppError extends Error {
  override name = 'AppError'
  readonly kind: ErrorKind
  readonly model: string | undefined
  readonly retryAfterSeconds: number | undefined
  readonly extras: ProblemExtras
  readonly headers: Record<string, string>

  constructor(kind: ErrorKind, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.kind = kind
    this.model = options.model
    this.retryAfterSeconds = options.retryAfterSeconds
    this.extras = options.extras ?? {}
    this.headers = options.headers ?? {}
  }

  get status(): ErrorStatus {
    return PROBLEM_OF[this.kind][0]
  }

  get problemType(): ProblemType {
    return PROBLEM_OF[this.kind][1]
  }
}

/** The first kind with this status and problem type: how the router reads back a model Worker's problem. */
export function kindFor(status: number, type: ProblemType): ErrorKind | undefined {
  for (const [kind, [s, t]] of Object.entries(PROBLEM_OF) as Array<[ErrorKind, readonly [ErrorStatus, ProblemType]]>) {
    if (s === status && t === type) return kind
  }
  return undefined
}

/** Kinds about one model (its data, its load, its input), which a problem names the model for. */
export const aboutModel = (kind: ErrorKind): boolean =>
  PROBLEM_OF[kind][1] === 'model_unavailable' ||
  kind === 'not_found' ||
  kind === 'storage_unavailable' ||
  kind === 'over_budget' ||
  kind === 'too_long'

/** The kind of any thrown value: an `AppError`'s own, else 'internal'. */
export const kindOf = (error: unknown): ErrorKind => (error instanceof AppError ? error.kind : 'internal')

/** Whether `error` is an `AppError` of one of `kinds`. */
export const isKind = (error: unknown, ...kinds: ErrorKind[]): error is AppError => error instanceof AppError && kinds.includes(error.kind)
