/**
 * Request limits end to end through the Worker (issue #7 item 2), with the
 * vars set the way wrangler.toml sets them: every limit answering 413/422
 * with `limit` and `max`. API keys, and that they are checked before the
 * limits: test/middleware/auth.workerd.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { ELECTRA } from '../support/fixture-models.ts'
import { ok, problem } from '../support/http.ts'
import { seedModels } from '../support/seed.ts'
import { faultyEnv } from '../support/faulty-env.ts'
import type { Vars } from '../support/faulty-env.ts'

const w = faultyEnv()
const CLASSIFY = `/v1/models/${ELECTRA.id}/classify`
const TOKENIZE = `/v1/models/${ELECTRA.id}/tokenize`

/** POSTs `body` as JSON (a string as is, for bodies measured to the byte) under `vars`. */
function send(path: string, body: unknown, vars: Vars): Promise<Response> {
  return w.post(path, body, vars)
}

beforeAll(async () => {
  await seedModels()
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
    const res = await w.api(vars).v1.models[':id'].tokenize.$post({ param: { id: ELECTRA.id }, json: { inputs: 'word '.repeat(100) } })
    expect(res.status).toBe(200)
    const encoding = await (await ok(res)).json()
    if (Array.isArray(encoding)) throw new Error('one input, one encoding')
    expect(encoding.ids).toHaveLength(16)
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
