import { describe, expect, it } from 'vitest'
import { InFlightGate } from '../../src/middleware/load-shed.ts'
import { asProblem, problemDocument } from '../../src/middleware/problem.ts'
import { CLASSIFIER_ERROR, ClassifierError, PROBLEM_PREFIX, problemKind, problemOf } from '../../src/rpc/problem.ts'
import { problemTypeUri } from '../../src/core/schema/problem.ts'
import { AppError } from '../../src/core/errors.ts'

/** What reaches the caller of an RPC method: a plain Error with the name and message only. */
const acrossRpc = (e: Error): Error => Object.assign(new Error(e.message), { name: e.name })

describe('problems across RPC', () => {
  it('round-trips a problem through name and message alone', () => {
    const problem = { ...problemDocument(413, 'limit_exceeded', 'too many', { limit: 'MAX_BATCH', max: 16 }), retry_after: 1 }
    const error = new ClassifierError(problem)
    expect(error.name).toBe(CLASSIFIER_ERROR)
    expect(error.message.startsWith(PROBLEM_PREFIX)).toBe(true)
    const back = problemOf(acrossRpc(error))
    expect(back).toEqual(problem)
    expect(back && problemKind(back)).toBe('limit_exceeded')
  })

  it('reads the message even when the name did not survive', () => {
    const error = new ClassifierError(problemDocument(404, 'not_found', 'No model "x"', { model: 'x' }))
    expect(problemOf(new Error(error.message))).toMatchObject({ status: 404, model: 'x' })
  })

  it('says undefined for any other error', () => {
    expect(problemOf(new Error('fetch failed'))).toBeUndefined()
    expect(problemOf(new Error(`${PROBLEM_PREFIX}{not json`))).toBeUndefined()
    expect(problemOf(new Error(`${PROBLEM_PREFIX}{"status":404}`))).toBeUndefined()
    expect(problemOf('a string')).toBeUndefined()
  })

  it("uses the HTTP API's problem type URNs", () => {
    expect(problemKind(problemDocument(503, 'model_unavailable', 'x'))).toBe('model_unavailable')
    expect(problemDocument(503, 'model_unavailable', 'x').type).toBe(problemTypeUri('model_unavailable'))
  })
})

describe('asProblem (shared by onError and the entrypoint)', () => {
  it("keeps the model an error names, over the route's", () => {
    const p = asProblem(new AppError('not_found', 'No model "nope" is published.', { model: 'nope' }), 'other')
    expect(p).toBeInstanceOf(AppError)
    expect(p).toMatchObject({ status: 404, problemType: 'not_found', model: 'nope' })
  })

  it('turns a 503 retry delay into Retry-After, and leaves unknown errors alone', () => {
    const backoff = new AppError('corrupt', 'load failed', { retryAfterSeconds: 5 })
    expect(asProblem(backoff, 'm')).toMatchObject({ status: 503, problemType: 'model_unavailable', retryAfterSeconds: 5, model: 'm' })
    expect(asProblem(new TypeError('bug'))).toBeUndefined()
  })
})

describe('InFlightGate', () => {
  it('sheds past max with a 429 naming MAX_IN_FLIGHT, and counts a release once', () => {
    const gate = new InFlightGate()
    const first = gate.enter(1, 1)
    expect(() => gate.enter(1, 1)).toThrow(
      expect.objectContaining({ status: 429, extras: { limit: 'MAX_IN_FLIGHT', max: 1 }, retryAfterSeconds: 1 }),
    )
    first()
    first()
    const second = gate.enter(1, 1)
    expect(() => gate.enter(1, 1)).toThrow(AppError)
    second()
    expect(() => gate.enter(0, 1)).not.toThrow()
  })
})
