/**
 * Calls the Worker under test (its default export, in this workerd isolate).
 *
 * `api` is Hono's typed client over the Worker's routes (`AppType`): request
 * bodies are checked against the route schemas and a 200's body comes typed.
 * `get` and `post` send what the types would refuse (malformed JSON, wrong
 * field types, paths outside the routes), for the tests of those answers.
 */
import { exports } from 'cloudflare:workers'
import { hc } from 'hono/client'
import { expect } from 'vitest'
import type { Problem } from '../../src/core/schema/problem.ts'
import type { AppType } from '../../src/index.ts'

const ORIGIN = 'http://edge.test'

/** Hono's typed client over `send`, which answers a request as the Worker would. */
export function clientOf(send: (request: Request) => Promise<Response>) {
  return hc<AppType>(ORIGIN, { fetch: (input: RequestInfo | URL, init?: RequestInit) => send(new Request(input, init)) })
}

export type Client = ReturnType<typeof clientOf>

/** The typed client of the Worker as deployed with the test bindings. */
export const api: Client = clientOf((request) => exports.default.fetch(request))

export function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, { headers }))
}

/** POSTs `body` as JSON (a string is sent as is, to test malformed bodies). */
export function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(
    new Request(`${ORIGIN}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  )
}

/** What `ok` and `problem` read: a `Response`, or a typed client's response. */
interface Answer {
  readonly status: number
  readonly headers: Headers
  text(): Promise<string>
}

/** The 200 member of a typed client's response union. */
export type Ok<R> = Extract<R, { status: 200 }>

const is200 = <R extends Answer>(res: R): res is Ok<R> => res.status === 200

/** Asserts a 200 and returns the response narrowed to it, so `json()` has the route's 200 body type. */
export async function ok<R extends Answer>(res: R): Promise<Ok<R>> {
  if (is200(res)) return res
  throw new Error(`expected 200, got ${res.status} ${res.headers.get('Content-Type')}: ${await res.text()}`)
}

const isProblem = (value: unknown): value is Problem =>
  typeof value === 'object' &&
  value !== null &&
  'type' in value &&
  typeof value.type === 'string' &&
  'status' in value &&
  typeof value.status === 'number' &&
  'detail' in value &&
  typeof value.detail === 'string'

/** Asserts a problem document with `status` and returns it. */
export async function problem(res: Answer, status: number): Promise<Problem> {
  const text = await res.text()
  if (res.status !== status || res.headers.get('Content-Type') !== 'application/problem+json') {
    throw new Error(`expected a ${status} problem document, got ${res.status} ${res.headers.get('Content-Type')}: ${text}`)
  }
  const body: unknown = JSON.parse(text)
  if (!isProblem(body) || body.status !== status || !body.type.startsWith('urn:edge-classify:problem:') || body.detail.length === 0) {
    throw new Error(`malformed problem document: ${text}`)
  }
  return body
}

/** A classify answer for one input: a list of scores, not a list of lists. */
export function single<T extends object>(body: ReadonlyArray<T | T[]>): T[] {
  const out: T[] = []
  for (const item of body) {
    if (Array.isArray(item)) throw new Error(`expected the answer for one input, got a batch: ${JSON.stringify(body)}`)
    out.push(item)
  }
  return out
}

/** A classify answer for a list of inputs: one list of scores per input. */
export function batch<T extends object>(body: ReadonlyArray<T | T[]>): T[][] {
  const out: T[][] = []
  for (const item of body) {
    if (!Array.isArray(item)) throw new Error(`expected the answer for a batch, got one for one input: ${JSON.stringify(body)}`)
    out.push(item)
  }
  return out
}

/**
 * Sends `request` until its answer's X-Model-Version is `version`, at most
 * `tries` times, each answer a 200; returns the version served last. A swap
 * happens in the background of a request, so this is bounded, not timed.
 */
export async function untilServed(
  version: string,
  tries: number,
  request: () => Promise<{ status: number; headers: Headers }>,
): Promise<string> {
  let served = ''
  for (let i = 0; i < tries && served !== version; i++) {
    const res = await request()
    expect(res.status).toBe(200)
    served = res.headers.get('X-Model-Version') ?? ''
  }
  return served
}
