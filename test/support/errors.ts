import { AppError } from '../../src/core/errors.ts'

/** The AppError `f` throws (another error is rethrown; no error fails the test). */
export function appErrorOf(f: () => unknown): AppError {
  try {
    f()
  } catch (e) {
    if (e instanceof AppError) return e
    throw e
  }
  throw new Error('expected an AppError')
}
