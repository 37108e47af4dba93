import { beforeAll, describe, expect, it } from 'vitest'
import { ALBERT, ELECTRA } from '../support/fixture-models.ts'
import { api, ok, post, problem } from '../support/http.ts'
import { seedModels } from '../support/seed.ts'

const route = api.v1.models[':id'].tokenize
type TokenizeJson = Parameters<typeof route.$post>[0]['json']
const tokenize = (id: string, json: TokenizeJson) => route.$post({ param: { id }, json })
/** The encoding of one input (a 200). */
const encoding = async (res: Awaited<ReturnType<typeof tokenize>>) => {
  const body = await (await ok(res)).json()
  if (Array.isArray(body)) throw new Error(`expected one encoding, got a batch of ${body.length}`)
  return body
}
/** The encodings of a batch (a 200). */
const encodings = async (res: Awaited<ReturnType<typeof tokenize>>) => {
  const body = await (await ok(res)).json()
  if (!Array.isArray(body)) throw new Error('expected a batch of encodings, got one')
  return body
}

beforeAll(async () => {
  await seedModels()
})

describe('POST /v1/models/{id}/tokenize', () => {
  it('returns the BERT-uncased WordPiece encoding for ELECTRA, with version and timing headers', async () => {
    const res = await tokenize(ELECTRA.id, { inputs: 'Hello, world!' })
    expect(res.status).toBe(200)
    expect(res.headers.get('X-Model-Version')).toBe(ELECTRA.version)
    expect(res.headers.get('Server-Timing')).toMatch(/load;dur=.*tokenize;dur=.*infer;dur=/)
    const body = await encoding(res)
    // Hugging Face bert-base-uncased: [CLS] hello , world ! [SEP]
    expect(body.ids).toEqual([101, 7592, 1010, 2088, 999, 102])
    expect(body.tokens).toEqual(['[CLS]', 'hello', ',', 'world', '!', '[SEP]'])
    expect(body.attention_mask).toEqual([1, 1, 1, 1, 1, 1])
    expect(body.offsets[1]).toEqual([0, 5])
  })

  it('returns the SentencePiece encoding for ALBERT', async () => {
    const body = await encoding(await tokenize(ALBERT.id, { inputs: 'hello world' }))
    expect(body.ids).toEqual([2, 10975, 126, 3])
  })

  it('marks the second segment of a pair with token_type_ids 1', async () => {
    const body = await encoding(await tokenize(ELECTRA.id, { inputs: { text: 'hello', text_pair: 'world' } }))
    expect(body.tokens).toEqual(['[CLS]', 'hello', '[SEP]', 'world', '[SEP]'])
    expect(body.token_type_ids).toEqual([0, 0, 0, 1, 1])
  })

  it('answers a batch with one unpadded encoding per input and honours max_length', async () => {
    const res = await tokenize(ELECTRA.id, { inputs: ['a b c d e f g', 'hi'], parameters: { max_length: 5 } })
    const body = await encodings(res)
    expect(body.map((e) => e.ids.length)).toEqual([5, 3])
  })

  it('shares the validation of classify', async () => {
    await problem(await tokenize(ELECTRA.id, { inputs: '' }), 422)
    // top_k is classify's alone: the request type refuses it, so it goes as is.
    await problem(await post(`/v1/models/${ELECTRA.id}/tokenize`, { inputs: 'x', parameters: { top_k: 1 } }), 422)
    await problem(await tokenize('unknown-model', { inputs: 'x' }), 404)
    await problem(await post(`/v1/models/${ELECTRA.id}/tokenize`, 'not json'), 400)
  })
})
