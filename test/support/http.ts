/** Calls the Worker under test (its default export, in this workerd isolate). */
import { exports } from 'cloudflare:workers'

export function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(new Request(`http://edge.test${path}`, { headers }))
}

/** POSTs `body` as JSON (a string is sent as is, to test malformed bodies). */
export function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(
    new Request(`http://edge.test${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  )
}

export interface ProblemBody {
  type: string
  title: string
  status: number
  detail: string
  instance?: string
  model?: string
  errors?: Array<{ path: string; message: string }>
  limit?: string
  max?: number
}

/** Asserts a problem document with `status` and returns it. */
export async function problem(res: Response, status: number): Promise<ProblemBody> {
  const text = await res.text()
  if (res.status !== status || res.headers.get('Content-Type') !== 'application/problem+json') {
    throw new Error(`expected a ${status} problem document, got ${res.status} ${res.headers.get('Content-Type')}: ${text}`)
  }
  const body = JSON.parse(text) as ProblemBody
  if (body.status !== status || !body.type.startsWith('urn:edge-classify:problem:') || body.detail.length === 0) {
    throw new Error(`malformed problem document: ${text}`)
  }
  return body
}
