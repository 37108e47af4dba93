/**
 * Property tests through the Worker (issue #7 item 5): whatever arrives, the
 * answer is a 2xx or a 4xx problem document, never a 5xx or a crash. Covers
 * request shapes (random JSON, huge numbers, deep nesting), wrong content
 * types, random bytes as the body, the MAX_INPUT_CHARS boundary and random
 * Unicode (lone surrogates included) through classify and tokenize, on both
 * fixture tokenizers (WordPiece and Unigram).
 * test/routes/classify.workerd.test.ts fuzzes plain JSON values on classify.
 */
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG } from '../../src/core/config.ts'

const DEFAULT_LIMITS = DEFAULT_CONFIG.limits
import { ALBERT, ELECTRA } from '../support/fixture-models.ts'
import { seedModels } from '../support/seed.ts'
import { faultyEnv } from '../support/faulty-env.ts'
import { batch, ok, problem } from '../support/http.ts'

const w = faultyEnv()
const api = w.api()
const MODELS = [ELECTRA, ALBERT]
const ROUTES = MODELS.flatMap((m) => [`/v1/models/${m.id}/classify`, `/v1/models/${m.id}/tokenize`])

/** Sends `body` as is (`string` or bytes) and checks the answer is a success or a client problem document. */
async function neverServerError(path: string, body: string | Uint8Array, contentType = 'application/json'): Promise<number> {
  const headers: Record<string, string> = contentType === '' ? {} : { 'Content-Type': contentType }
  const res = await w.call(path, { method: 'POST', headers, body })
  const text = await res.text()
  expect(res.status, `${path} ${contentType}: ${text.slice(0, 300)}`).toBeLessThan(500)
  if (res.status >= 400) {
    expect(res.headers.get('Content-Type')).toBe('application/problem+json')
    expect(JSON.parse(text)).toMatchObject({ status: res.status })
  }
  return res.status
}

const route = fc.constantFrom(...ROUTES)

/** Numbers a JSON parser may meet: huge, tiny, negative zero, beyond 2^53, as literals JSON.stringify cannot write. */
const wildNumber = fc.oneof(
  fc.constantFrom('1e308', '1e400', '-1e400', '-0', '9007199254740993', '0.5', '-1', '0', '2', '1e-400', '123456789012345678901234567890'),
  fc.double().map((x) => (Number.isFinite(x) ? String(x) : '1e999')),
  fc.integer().map(String),
)

/** A JSON text near the request shape: known keys with wrong or extreme values, unknown keys, nesting. */
const nearlyARequest: fc.Arbitrary<string> = fc
  .record(
    {
      inputs: fc.oneof(
        fc.string(),
        fc.string({ minLength: 1 }).map((t) => `x${t}`),
        wildNumber,
        fc.array(
          fc.string({ minLength: 1 }).map((t) => `x${t}`),
          { minLength: 1, maxLength: 20 },
        ),
        fc.array(fc.constant('x'), { minLength: 17, maxLength: 20 }),
        fc.array(fc.oneof(fc.string({ minLength: 1 }), wildNumber, fc.constant('null')), { maxLength: 20 }),
        fc.record({ text: fc.string(), text_pair: fc.oneof(fc.string(), wildNumber) }),
      ),
      parameters: fc.record(
        {
          top_k: fc.oneof(wildNumber, fc.constantFrom('null', '"3"', '1', '2')),
          max_length: fc.oneof(wildNumber, fc.constantFrom('true', '16', '64')),
          truncation: fc.constantFrom('true', 'false', '0', '"yes"'),
          function_to_apply: fc.constantFrom('"softmax"', '"sigmoid"', '"none"', '"relu"', '1'),
        },
        { requiredKeys: [] },
      ),
      extra: fc.jsonValue(),
    },
    { requiredKeys: [] },
  )
  .map(({ inputs, parameters, extra }) => {
    const literal = (v: unknown): string =>
      typeof v === 'string'
        ? /^[-\d."ntf]/.test(v) && v !== ''
          ? v
          : JSON.stringify(v)
        : Array.isArray(v)
          ? `[${v.map(literal).join(',')}]`
          : JSON.stringify(v)
    const fields: string[] = []
    if (inputs !== undefined) {
      fields.push(
        `"inputs":${
          typeof inputs === 'object' && !Array.isArray(inputs)
            ? `{"text":${JSON.stringify(inputs.text)},"text_pair":${literal(inputs.text_pair)}}`
            : Array.isArray(inputs)
              ? `[${inputs.map((x) => (/^[-\d]|^null$/.test(x) ? x : JSON.stringify(x))).join(',')}]`
              : /^[-\d]/.test(inputs)
                ? inputs
                : JSON.stringify(inputs)
        }`,
      )
    }
    if (parameters !== undefined) {
      const p = Object.entries(parameters).map(([k, v]) => `"${k}":${v}`)
      fields.push(`"parameters":{${p.join(',')}}`)
    }
    if (extra !== undefined) fields.push(`"extra":${JSON.stringify(extra)}`)
    return `{${fields.join(',')}}`
  })

beforeAll(async () => {
  await seedModels()
})

describe('request fuzzing: never a 5xx', () => {
  it('random JSON values and near-requests with extreme numbers', async () => {
    const seen = new Set<number>()
    await fc.assert(
      fc.asyncProperty(route, fc.oneof(fc.json(), nearlyARequest), async (path, body) => {
        seen.add(await neverServerError(path, body))
      }),
      { numRuns: 150, seed: 71 },
    )
    // The generator reaches the parser, the schema and the model, not only one of them.
    for (const status of [200, 400, 422]) expect([...seen]).toContain(status)
  })

  it('deep nesting in the body, in inputs and in parameters', async () => {
    await fc.assert(
      fc.asyncProperty(
        route,
        fc.integer({ min: 1, max: 100_000 }),
        fc.constantFrom('body', 'inputs', 'parameters', 'object'),
        async (path, depth, where) => {
          const nest = `${'['.repeat(depth)}${']'.repeat(depth)}`
          const body =
            where === 'body'
              ? nest
              : where === 'inputs'
                ? `{"inputs":${nest}}`
                : where === 'parameters'
                  ? `{"inputs":"hi","parameters":{"top_k":${nest}}}`
                  : `${'{"inputs":'.repeat(depth)}"x"${'}'.repeat(depth)}`
          await neverServerError(path, body)
        },
      ),
      { numRuns: 30, seed: 72 },
    )
  })

  it('wrong, missing and odd content types', async () => {
    const contentType = fc.constantFrom(
      '',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'APPLICATION/JSON',
      'application/json; charset=latin1',
      'application/problem+json',
      'application/json, text/plain',
      'json',
    )
    const body = fc.constantFrom(
      '{"inputs":"hi"}',
      'inputs=hi',
      '--x\r\nContent-Disposition: form-data; name="inputs"\r\n\r\nhi\r\n--x--',
      '',
    )
    await fc.assert(
      fc.asyncProperty(route, contentType, body, async (path, type, text) => {
        await neverServerError(path, text, type)
      }),
      { numRuns: 60, seed: 73 },
    )
  })

  it('random bytes as the body, and invalid UTF-8 inside a JSON string', async () => {
    const inString = fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => {
      const safe = bytes.map((b) => (b === 0x22 || b === 0x5c || b < 0x20 ? 0x80 | (b & 0x3f) : b))
      return new Uint8Array([...new TextEncoder().encode('{"inputs":"'), ...safe, ...new TextEncoder().encode('"}')])
    })
    await fc.assert(
      fc.asyncProperty(route, fc.oneof(fc.uint8Array({ maxLength: 2000 }), inString), async (path, bytes) => {
        await neverServerError(path, bytes)
      }),
      { numRuns: 80, seed: 74 },
    )
  })
})

describe('long and odd text', () => {
  const unit = fc.constantFrom('a', ' ', 'é', '\u0301', '🙂', '\ud800', '\udfff', '\u0000', '\u200b', '中', '\n', 'ﬁ', 'Ⅻ')

  it('MAX_INPUT_CHARS boundary: at most the limit is served, one code unit more is a 413', async () => {
    const max = DEFAULT_LIMITS.maxInputChars
    await fc.assert(
      fc.asyncProperty(route, unit, fc.integer({ min: -3, max: 3 }), async (path, u, delta) => {
        // Repeat one unit to the exact UTF-16 length (an astral unit counts 2; pad with 'a').
        const length = max + delta
        const text = u.repeat(Math.floor(length / u.length)).padEnd(length, 'a')
        const status = await neverServerError(path, JSON.stringify({ inputs: text }))
        expect(status).toBe(length <= max ? 200 : 413)
      }),
      { numRuns: 16, seed: 75 },
    )
  })

  it('a full batch of maximum-length inputs is served', async () => {
    const text = 'lorem ipsum dolor sit amet '.repeat(400).slice(0, DEFAULT_LIMITS.maxInputChars)
    for (const path of ROUTES) {
      const status = await neverServerError(path, JSON.stringify({ inputs: Array.from({ length: DEFAULT_LIMITS.maxBatch }, () => text) }))
      expect(status).toBe(200)
    }
  })

  it('random Unicode, lone surrogates included: tokenize gives consistent encodings within max_length', async () => {
    const text = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 400 }), fc.string({ unit, minLength: 1, maxLength: 400 }))
    const input = fc.oneof(text, fc.record({ text, text_pair: text }))
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...MODELS), input, fc.boolean(), async (model, item, truncation) => {
        const res = await api.v1.models[':id'].tokenize.$post({
          param: { id: model.id },
          json: { inputs: item, parameters: { truncation } },
        })
        if (!truncation && res.status !== 200) {
          expect((await problem(res, 422)).type).toContain('too_long')
          return
        }
        const e = await (await ok(res)).json()
        if (Array.isArray(e)) throw new Error('one input, one encoding')
        expect(e.ids.length).toBeGreaterThanOrEqual(2) // at least the special tokens
        expect(e.ids.length).toBeLessThanOrEqual(model.max_length)
        for (const list of [e.tokens, e.attention_mask, e.token_type_ids, e.offsets]) expect(list).toHaveLength(e.ids.length)
        expect(e.attention_mask.every((m) => m === 1)).toBe(true)
        const pair = typeof item === 'string' ? undefined : item.text_pair
        const source = (t: number) => (t === 1 && pair !== undefined ? pair : typeof item === 'string' ? item : item.text)
        e.offsets.forEach(([start, end], i) => {
          expect(start).toBeLessThanOrEqual(end)
          expect(end).toBeLessThanOrEqual(source(e.token_type_ids[i] ?? 0).length)
        })
      }),
      { numRuns: 60, seed: 76 },
    )
  })

  it('random Unicode, lone surrogates included: classify scores every label with finite numbers', async () => {
    const text = fc.string({ unit: fc.oneof(unit, fc.constantFrom('\ud83d', '\ude42', 'x')), minLength: 1, maxLength: 300 })
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...MODELS), fc.array(text, { minLength: 1, maxLength: 4 }), async (model, inputs) => {
        const res = await api.v1.models[':id'].classify.$post({ param: { id: model.id }, json: { inputs } })
        expect(res.status).toBe(200)
        const rows = batch(await (await ok(res)).json())
        expect(rows).toHaveLength(inputs.length)
        for (const row of rows) {
          expect(row.map((r) => r.label).sort()).toEqual(Object.values(model.id2label).sort())
          for (const r of row) expect(Number.isFinite(r.score)).toBe(true)
        }
      }),
      { numRuns: 30, seed: 77 },
    )
  })
})
