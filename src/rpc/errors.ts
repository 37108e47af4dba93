/** How a failure leaves an RPC entrypoint: the problem HTTP would answer, carried by a ClassifierError. */
import { asProblem, errorDocument, problemDocument, UNEXPECTED } from '../middleware/problem.ts'
import { ClassifierError } from './problem.ts'

/** Any failure as a ClassifierError: the problem HTTP would answer, or a logged 500. */
export function rpcError(error: unknown, model?: string): ClassifierError {
  const known = asProblem(error, model)
  if (known === undefined) {
    console.error('unhandled error', error)
    return new ClassifierError(problemDocument(500, 'internal', UNEXPECTED))
  }
  const problem = errorDocument(known)
  return new ClassifierError(known.retryAfterSeconds === undefined ? problem : { ...problem, retry_after: known.retryAfterSeconds })
}
