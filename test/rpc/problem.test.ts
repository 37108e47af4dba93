import { describe, expect, it } from 'vitest'
import { InFlightGate } from '../../src/middleware/load-shed.ts'
import { asProblem, problemDocument, ProblemError } from '../../src/middleware/problem.ts'
import { CLASSIFIER_ERROR, ClassifierError, PROBLEM_PREFIX, problemKind, problemOf } from '../../src/rpc/problem.ts'
import { problemTypeUri } from '../../src/core/schema/problem.ts'
import { StorageError } from '../../src/storage/errors.ts'

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
  it('maps a storage error by its type and names its model', () => {
    const p = asProblem(new StorageError('not_found', 'nope', 'No model "nope" is published.'), 'other')
    expect(p).toBeInstanceOf(ProblemError)
    expect(p).toMatchObject({ status: 404, problem: 'not_found', extras: { model: 'nope' } })
  })

  it('turns a 503 retry delay into Retry-After, and leaves unknown errors alone', () => {
    const backoff = Object.assign(new Error('load failed'), { type: 'corrupt', retryAfterSeconds: 5 })
    expect(asProblem(backoff, 'm')).toMatchObject({ status: 503, problem: 'model_unavailable', headers: { 'Retry-After': '5' }, extras: { model: 'm' } })
    expect(asProblem(new TypeError('bug'))).toBeUndefined()
  })
})

describe('InFlightGate', () => {
  it('sheds past max with a 429 naming MAX_IN_FLIGHT, and counts a release once', () => {
    const gate = new InFlightGate()
    const first = gate.enter(1, 1)
    expect(() => gate.enter(1, 1)).toThrow(expect.objectContaining({ status: 429, extras: { limit: 'MAX_IN_FLIGHT', max: 1 }, headers: { 'Retry-After': '1' } }))
    first()
    first()
    const second = gate.enter(1, 1)
    expect(() => gate.enter(1, 1)).toThrow(ProblemError)
    second()
    expect(() => gate.enter(0, 1)).not.toThrow()
  })
})
