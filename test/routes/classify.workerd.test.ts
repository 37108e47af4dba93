import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type { LabelScore } from '../../src/core/inference/classifier.ts'
import { ALBERT, ELECTRA, PARITY_INPUTS } from '../support/fixture-models.ts'
import { api, batch, ok, post, problem, single } from '../support/http.ts'
import { expectedScores, seedModels } from '../support/seed.ts'

const route = api.v1.models[':id'].classify
type ClassifyJson = Parameters<typeof route.$post>[0]['json']
const classify = (id: string, json: ClassifyJson) => route.$post({ param: { id }, json })
/** The 200 body of a classify request. */
const scores = async (id: string, json: ClassifyJson) => await (await ok(await classify(id, json))).json()
/** Sends what the request type refuses (wrong types, malformed JSON) as is. */
const send = (id: string, body: unknown) => post(`/v1/models/${id}/classify`, body)

let expected: Record<string, LabelScore[][]>
beforeAll(async () => {
  await seedModels()
  expected = await expectedScores()
})

const byLabel = (row: LabelScore[]): Record<string, number> => Object.fromEntries(row.map((r) => [r.label, r.score]))

describe('POST /v1/models/{id}/classify', () => {
  it('classifies one text: labels sorted by softmax score, with version and timing headers', async () => {
    const res = await classify(ELECTRA.id, { inputs: 'Win a FREE cruise to the Bahamas, reply now!' })
    expect(res.status).toBe(200)
    expect(res.headers.get('X-Model-Version')).toBe(ELECTRA.version)
    const timing = res.headers.get('Server-Timing') ?? ''
    for (const metric of ['load', 'tokenize', 'infer']) expect(timing).toMatch(new RegExp(`${metric};dur=`))
    const body = single(await (await ok(res)).json())
    expect(body.map((r) => r.label).sort()).toEqual(['ham', 'spam'])
    expect(body[0]?.score).toBeGreaterThanOrEqual(body[1]?.score ?? 1)
    expect((body[0]?.score ?? 0) + (body[1]?.score ?? 0)).toBeCloseTo(1, 5)
  })

  it.each([ELECTRA, ALBERT])('matches onnxruntime-web in Node on a padded batch with a pair ($id)', async (model) => {
    const res = await classify(model.id, { inputs: [...PARITY_INPUTS] })
    expect(res.status).toBe(200)
    const body = batch(await (await ok(res)).json())
    const reference = expected[model.id] ?? []
    expect(body).toHaveLength(PARITY_INPUTS.length)
    body.forEach((row, i) => {
      const want = byLabel(reference[i] ?? [])
      expect(Object.keys(byLabel(row)).sort()).toEqual(Object.keys(want).sort())
      for (const r of row) expect(r.score).toBeCloseTo(want[r.label] ?? Number.NaN, 4)
    })
  })

  it('answers a one-element list with a list of one result', async () => {
    const body = batch(await scores(ELECTRA.id, { inputs: ['hello'] }))
    expect(body).toHaveLength(1)
    expect(body[0]).toHaveLength(2)
  })

  it('classifies a text pair, which scores differently from the text alone', async () => {
    const pair = single(await scores(ELECTRA.id, { inputs: { text: 'Free money', text_pair: 'Call now' } }))
    const alone = single(await scores(ELECTRA.id, { inputs: 'Free money' }))
    expect(pair).toHaveLength(2)
    expect(byLabel(pair).spam).not.toBeCloseTo(byLabel(alone).spam ?? 0, 6)
  })

  it('keeps the top_k best labels; null keeps all', async () => {
    const all = single(await scores(ALBERT.id, { inputs: 'you fool', parameters: { top_k: null } }))
    const top1 = single(await scores(ALBERT.id, { inputs: 'you fool', parameters: { top_k: 1 } }))
    const top5 = single(await scores(ALBERT.id, { inputs: 'you fool', parameters: { top_k: 5 } }))
    expect(all).toHaveLength(3)
    expect(top1).toEqual(all.slice(0, 1))
    expect(top5).toEqual(all)
  })

  it('applies softmax, sigmoid and none consistently with the raw logits', async () => {
    type Activation = NonNullable<NonNullable<ClassifyJson['parameters']>['function_to_apply']>
    const run = async (id: string, fn?: Activation) =>
      byLabel(single(await scores(id, { inputs: 'same text', parameters: fn ? { function_to_apply: fn } : {} })))
    const logits = await run(ALBERT.id, 'none')
    const sigmoid = await run(ALBERT.id, 'sigmoid')
    const softmax = await run(ALBERT.id, 'softmax')
    const byDefault = await run(ALBERT.id) // multi-label: sigmoid
    const z = Object.values(logits).reduce((s, x) => s + Math.exp(x), 0)
    for (const [label, x] of Object.entries(logits)) {
      expect(sigmoid[label]).toBeCloseTo(1 / (1 + Math.exp(-x)), 6)
      expect(softmax[label]).toBeCloseTo(Math.exp(x) / z, 6)
      expect(byDefault[label]).toBeCloseTo(sigmoid[label] ?? Number.NaN, 6)
    }
    const electraDefault = await run(ELECTRA.id) // single-label: softmax
    expect(Object.values(electraDefault).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
  })

  it('truncates long inputs by default and refuses them with truncation off', async () => {
    const long = 'word '.repeat(200)
    expect((await classify(ELECTRA.id, { inputs: long })).status).toBe(200)
    const p = await problem(await classify(ELECTRA.id, { inputs: long, parameters: { truncation: false } }), 422)
    expect(p.type).toContain('too_long')
    expect(p.detail).toMatch(/64/)
  })

  it("refuses max_length above the model's", async () => {
    const p = await problem(await classify(ELECTRA.id, { inputs: 'hi', parameters: { max_length: 65 } }), 422)
    expect(p.detail).toContain('64')
  })

  it('answers an unknown model with 404', async () => {
    const p = await problem(await classify('no-such-model', { inputs: 'hi' }), 404)
    expect(p.detail).toContain('no-such-model')
    expect(p.model).toBe('no-such-model')
    await problem(await classify('Bad_ID!', { inputs: 'hi' }), 404)
  })

  it('answers malformed JSON with 400 naming the fix', async () => {
    const p = await problem(await send(ELECTRA.id, '{"inputs": "hi"'), 400)
    expect(p.type).toContain('malformed_json')
    expect(p.detail).toContain('{"inputs"')
  })

  it.each([
    [{ inputs: 5 }, 'inputs'],
    [{ inputs: 'hi', parameters: { top_k: 'two' } }, 'parameters.top_k'],
    [{ inputs: 'hi', parameters: { top_k: 0 } }, 'parameters.top_k'],
    [{ inputs: 'hi', parameters: { function_to_apply: 'relu' } }, 'parameters.function_to_apply'],
    [{ inputs: { text: 'a', text_pair: 7 } }, 'inputs.text_pair'],
    [{ inputs: 'hi', extra: true }, '(body)'],
    [{}, 'inputs'],
  ])('answers wrong types with 422 naming the field (%j)', async (body, path) => {
    const p = await problem(await send(ELECTRA.id, body), 422)
    expect(p.errors?.map((e) => e.path)).toContain(path)
    expect(p.detail).toContain(path)
  })

  it.each([[{ inputs: '' }], [{ inputs: [] }], [{ inputs: ['ok', ''] }], [{ inputs: { text: '' } }]])(
    'answers empty input with 422 (%j)',
    async (body) => {
      const p = await problem(await send(ELECTRA.id, body), 422)
      expect(p.detail).toMatch(/empty|at least one/)
    },
  )

  it('refuses a batch over MAX_BATCH and a text over MAX_INPUT_CHARS with 413 naming the limit', async () => {
    const overBatch = await problem(await classify(ELECTRA.id, { inputs: Array.from({ length: 17 }, () => 'x') }), 413)
    expect(overBatch).toMatchObject({ limit: 'MAX_BATCH', max: 16 })
    const chars = await problem(await classify(ELECTRA.id, { inputs: 'a'.repeat(10_001) }), 413)
    expect(chars).toMatchObject({ limit: 'MAX_INPUT_CHARS', max: 10_000 })
    expect(chars.detail).toContain('10000')
  })

  it('refuses a body over MAX_BODY_BYTES with 413', async () => {
    const p = await problem(await classify(ELECTRA.id, { inputs: 'a'.repeat(300_000) }), 413)
    expect(p).toMatchObject({ limit: 'MAX_BODY_BYTES' })
  })
})

describe('fuzzed requests (issue #7 item 5)', () => {
  const status = async (body: unknown) => (await send(ELECTRA.id, typeof body === 'string' ? body : JSON.stringify(body))).status

  it('never answer random JSON with a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.jsonValue(), async (inputs, parameters) => {
        expect(await status({ inputs, parameters })).toBeLessThan(500)
        expect(await status(inputs)).toBeLessThan(500)
      }),
      { numRuns: 60, seed: 7 },
    )
  })

  it('classify any Unicode text, lone surrogates included', async () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }),
      fc.string({ unit: fc.constantFrom('\ud800', '\udfff', '\u0000', '\u200b', ' ', 'é', '🙂', 'a'), minLength: 1, maxLength: 60 }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(text, fc.record({ text, text_pair: text })), { minLength: 1, maxLength: 4 }), async (inputs) => {
        expect(await status({ inputs })).toBe(200)
      }),
      { numRuns: 40, seed: 8 },
    )
  })
})
