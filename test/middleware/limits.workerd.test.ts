/**
 * API keys and request limits end to end through the Worker (issue #7 items
 * 1 and 2), with the secret and the vars set the way `wrangler secret put` and
 * wrangler.toml set them. test/middleware/ covers the key parsing; this file
 * covers 401 vs 403, key rotation, the order of auth and limits, and every
 * limit answering 413/422 with `limit` and `max`.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { ELECTRA } from '../support/fixture-models.ts'
import { problem } from '../support/http.ts'
import { seedModels } from '../support/seed.ts'
import { faultyEnv } from '../support/faulty-env.ts'
import type { Vars } from '../support/faulty-env.ts'

const w = faultyEnv()
const CLASSIFY = `/v1/models/${ELECTRA.id}/classify`
const TOKENIZE = `/v1/models/${ELECTRA.id}/tokenize`

/** POST `body` as JSON with an optional Authorization header under `vars`. */
function send(path: string, body: unknown, vars: Vars, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  if (authorization !== undefined) headers.Authorization = authorization
  return w.call(path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }, vars)
}

beforeAll(async () => {
  await seedModels()
})

describe('API keys', () => {
  const keys = { API_KEYS: 'key-one,key-two' }

  it.each([
    ['no header', undefined],
    ['another scheme', 'Basic a2V5LW9uZTo='],
    ['Bearer without a key', 'Bearer '],
    ['two tokens', 'Bearer key-one key-two'],
  ])('401 with a Bearer challenge when no key is sent (%s)', async (_, authorization) => {
    const res = await send(CLASSIFY, { inputs: 'hi' }, keys, authorization)
    expect(res.headers.get('WWW-Authenticate')).toContain('Bearer')
    const p = await problem(res, 401)
    expect(p.type).toContain('unauthorized')
    expect(p.detail).toContain('Authorization: Bearer')
  })

  it.each([['wrong'], ['key-on'], ['key-one2'], ['KEY-ONE'], ['key-one,key-two']])('403 for a key that is not configured (%s)', async (key) => {
    const p = await problem(await send(CLASSIFY, { inputs: 'hi' }, keys, `Bearer ${key}`), 403)
    expect(p.type).toContain('forbidden')
  })

  it('accepts each configured key, whatever the scheme\'s case, on classify and tokenize', async () => {
    for (const auth of ['Bearer key-one', 'Bearer key-two', 'bearer key-one', 'Bearer  key-two  ']) {
      expect((await send(CLASSIFY, { inputs: 'hi' }, keys, auth)).status, auth).toBe(200)
      expect((await send(TOKENIZE, { inputs: 'hi' }, keys, auth)).status, auth).toBe(200)
    }
  })

  it('rotates keys: old and new both work during the overlap, then only the new one', async () => {
    const overlap = { API_KEYS: ' old-key , new-key ' }
    expect((await send(CLASSIFY, { inputs: 'hi' }, overlap, 'Bearer old-key')).status).toBe(200)
    expect((await send(CLASSIFY, { inputs: 'hi' }, overlap, 'Bearer new-key')).status).toBe(200)
    const after = { API_KEYS: 'new-key' }
    await problem(await send(CLASSIFY, { inputs: 'hi' }, after, 'Bearer old-key'), 403)
    expect((await send(CLASSIFY, { inputs: 'hi' }, after, 'Bearer new-key')).status).toBe(200)
  })

  it('checks the key before the body: an unauthenticated oversized or malformed body is a 401, not a 413/400', async () => {
    await problem(await send(CLASSIFY, { inputs: 'a'.repeat(300_000) }, keys), 401)
    await problem(await send(CLASSIFY, '{not json', keys), 401)
    await problem(await send(CLASSIFY, '{not json', keys, 'Bearer nope'), 403)
  })

  it('keeps /healthz public even with a wrong key, guards /readyz and /v1/models', async () => {
    expect((await w.call('/healthz', {}, keys)).status).toBe(200)
    expect((await w.call('/healthz', { headers: { Authorization: 'Bearer wrong' } }, keys)).status).toBe(200)
    await problem(await w.call('/readyz', {}, keys), 401)
    await problem(await w.call('/v1/models', { headers: { Authorization: 'Bearer wrong' } }, keys), 403)
  })

  it('serves without auth when the secret is unset or holds no key', async () => {
    for (const API_KEYS of [undefined, '', ' , ']) {
      expect((await send(CLASSIFY, { inputs: 'hi' }, API_KEYS === undefined ? {} : { API_KEYS })).status, String(API_KEYS)).toBe(200)
    }
  })
})

describe('limits from wrangler vars', () => {
  it('MAX_BODY_BYTES: 413 over it (with or without Content-Length), served at it', async () => {
    const vars = { MAX_BODY_BYTES: '1000' }
    const body = (n: number) => JSON.stringify({ inputs: 'a'.repeat(n - '{"inputs":""}'.length) })
    expect(body(1000)).toHaveLength(1000)
    expect((await send(CLASSIFY, body(1000), vars)).status).toBe(200)
    const p = await problem(await send(CLASSIFY, body(1001), vars), 413)
    expect(p).toMatchObject({ limit: 'MAX_BODY_BYTES', max: 1000 })
    expect(p.detail).toContain('MAX_BODY_BYTES (1000 bytes)')
    // A streamed body has no Content-Length: the limit still holds while reading.
    const bytes = new TextEncoder().encode(body(5000))
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 512) controller.enqueue(bytes.slice(i, i + 512))
        controller.close()
      },
    })
    const streamed = await w.call(CLASSIFY, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: stream }, vars)
    expect(await problem(streamed, 413)).toMatchObject({ limit: 'MAX_BODY_BYTES', max: 1000 })
  })

  it.each([CLASSIFY, TOKENIZE])('MAX_BATCH: 413 over it, served at it (%s)', async (path) => {
    const vars = { MAX_BATCH: '2' }
    expect((await send(path, { inputs: ['a', 'b'] }, vars)).status).toBe(200)
    const p = await problem(await send(path, { inputs: ['a', 'b', 'c'] }, vars), 413)
    expect(p).toMatchObject({ limit: 'MAX_BATCH', max: 2 })
    expect(p.detail).toContain('MAX_BATCH is 2')
  })

  it.each([CLASSIFY, TOKENIZE])('MAX_INPUT_CHARS: counts text and text_pair, 413 over it, served at it (%s)', async (path) => {
    const vars = { MAX_INPUT_CHARS: '20' }
    expect((await send(path, { inputs: 'a'.repeat(20) }, vars)).status).toBe(200)
    expect((await send(path, { inputs: { text: 'a'.repeat(10), text_pair: 'b'.repeat(10) } }, vars)).status).toBe(200)
    for (const inputs of ['a'.repeat(21), { text: 'a'.repeat(10), text_pair: 'b'.repeat(11) }, ['ok', 'c'.repeat(21)]]) {
      const p = await problem(await send(path, { inputs }, vars), 413)
      expect(p).toMatchObject({ limit: 'MAX_INPUT_CHARS', max: 20 })
      expect(p.detail).toContain('MAX_INPUT_CHARS is 20')
    }
    // UTF-16 code units: an astral character counts two.
    await problem(await send(path, { inputs: '🙂'.repeat(11) }, vars), 413)
  })

  it('MAX_LENGTH: 422 for max_length above it, and it caps the default max_length', async () => {
    const vars = { MAX_LENGTH: '16' }
    const p = await problem(await send(CLASSIFY, { inputs: 'hi', parameters: { max_length: 17 } }, vars), 422)
    expect(p).toMatchObject({ limit: 'MAX_LENGTH', max: 16 })
    expect(p.detail).toContain('MAX_LENGTH (16)')
    expect((await send(CLASSIFY, { inputs: 'hi', parameters: { max_length: 16 } }, vars)).status).toBe(200)
    const res = await send(TOKENIZE, { inputs: 'word '.repeat(100) }, vars)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { ids: number[] }).ids).toHaveLength(16)
  })

  it("the model's own max_length: 422 naming it when MAX_LENGTH is higher", async () => {
    const p = await problem(await send(CLASSIFY, { inputs: 'hi', parameters: { max_length: ELECTRA.max_length + 1 } }, {}), 422)
    expect(p).toMatchObject({ limit: 'max_length', max: ELECTRA.max_length })
  })

  it('a limit var that is not a positive integer is a 500 naming the var to fix', async () => {
    for (const MAX_BATCH of ['abc', '0', '-1', '1.5']) {
      const p = await problem(await send(CLASSIFY, { inputs: 'hi' }, { MAX_BATCH }), 500)
      expect(p.detail).toContain('MAX_BATCH')
    }
  })
})
