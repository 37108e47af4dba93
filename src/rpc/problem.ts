/**
 * Problem documents across RPC. Only an Error's `name` and `message` survive
 * a Workers RPC call, so the entrypoint throws errors named `ClassifierError`
 * whose message is a fixed prefix and the RFC 9457 problem as JSON: the
 * caller's Worker reads type and status back with `problemOf`.
 *
 * This module has no runtime imports, so a consumer Worker can import it
 * without the classifier's code.
 *
 * @example
 * try {
 *   await env.CLASSIFIER.classify('albert-spam', text)
 * } catch (error) {
 *   const problem = problemOf(error)
 *   if (problem?.status === 404) return new Response('no such model', { status: 404 })
 *   throw error
 * }
 */
import type { Problem, ProblemType } from '../core/schema/problem.ts'

/** The `name` of every error the Classifier entrypoint throws. */
export const CLASSIFIER_ERROR = 'ClassifierError'

/** What starts the message of such an error; the problem's JSON follows. */
export const PROBLEM_PREFIX = 'edge-classify problem: '

const TYPE_PREFIX = 'urn:edge-classify:problem:'

/**
 * HTTP's problem document, less `instance` (there is no path), plus
 * `retry_after`: the seconds HTTP sends as `Retry-After` (429, 503).
 */
export interface ClassifierProblem extends Omit<Problem, 'instance'> {
  retry_after?: number
}

/** An error that survives RPC with its problem; the message starts with PROBLEM_PREFIX. */
export class ClassifierError extends Error {
  override name = CLASSIFIER_ERROR
  readonly problem: ClassifierProblem

  constructor(problem: ClassifierProblem) {
    super(PROBLEM_PREFIX + JSON.stringify(problem))
    this.problem = problem
  }
}

/**
 * The problem a Classifier call failed with, or undefined for any other
 * error (a broken binding, a network failure). Reads the message only, as
 * the name of a custom error may not survive the trip.
 */
export function problemOf(error: unknown): ClassifierProblem | undefined {
  if (!(error instanceof Error) || !error.message.startsWith(PROBLEM_PREFIX)) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(error.message.slice(PROBLEM_PREFIX.length))
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const p = parsed as Record<string, unknown>
  if (typeof p.type !== 'string' || typeof p.status !== 'number' || typeof p.detail !== 'string' || typeof p.title !== 'string')
    return undefined
  return parsed as ClassifierProblem
}

/** The problem's kind (`not_found`, `limit_exceeded`, ...), from its type URN. */
export function problemKind(problem: ClassifierProblem): ProblemType {
  return problem.type.slice(TYPE_PREFIX.length) as ProblemType
}
