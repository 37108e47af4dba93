import { beforeAll, describe, expect, it } from 'vitest'
import { ALBERT, ELECTRA } from '../support/fixture-models.ts'
import { post, problem } from '../support/http.ts'
import { seedModels } from '../support/seed.ts'

interface EncodingBody {
  ids: number[]
  tokens: string[]
  attention_mask: number[]
  token_type_ids: number[]
  offsets: Array<[number, number]>
}

const tokenize = (id: string, body: unknown) => post(`/v1/models/${id}/tokenize`, body)

beforeAll(async () => {
  await seedModels()
})

describe('POST /v1/models/{id}/tokenize', () => {
  it('returns the BERT-uncased WordPiece encoding for ELECTRA, with version and timing headers', async () => {
    const res = await tokenize(ELECTRA.id, { inputs: 'Hello, world!' })
    expect(res.status).toBe(200)
    expect(res.headers.get('X-Model-Version')).toBe(ELECTRA.version)
    expect(res.headers.get('Server-Timing')).toMatch(/load;dur=.*tokenize;dur=.*infer;dur=/)
    const body = (await res.json()) as EncodingBody
    // Hugging Face bert-base-uncased: [CLS] hello , world ! [SEP]
    expect(body.ids).toEqual([101, 7592, 1010, 2088, 999, 102])
    expect(body.tokens).toEqual(['[CLS]', 'hello', ',', 'world', '!', '[SEP]'])
    expect(body.attention_mask).toEqual([1, 1, 1, 1, 1, 1])
    expect(body.offsets[1]).toEqual([0, 5])
  })

  it('returns the SentencePiece encoding for ALBERT', async () => {
    const body = (await (await tokenize(ALBERT.id, { inputs: 'hello world' })).json()) as EncodingBody
    expect(body.ids).toEqual([2, 10975, 126, 3])
  })

  it('marks the second segment of a pair with token_type_ids 1', async () => {
    const body = (await (await tokenize(ELECTRA.id, { inputs: { text: 'hello', text_pair: 'world' } })).json()) as EncodingBody
    expect(body.tokens).toEqual(['[CLS]', 'hello', '[SEP]', 'world', '[SEP]'])
    expect(body.token_type_ids).toEqual([0, 0, 0, 1, 1])
  })

  it('answers a batch with one unpadded encoding per input and honours max_length', async () => {
    const res = await tokenize(ELECTRA.id, { inputs: ['a b c d e f g', 'hi'], parameters: { max_length: 5 } })
    const body = (await res.json()) as EncodingBody[]
    expect(body.map((e) => e.ids.length)).toEqual([5, 3])
  })

  it('shares the validation of classify', async () => {
    await problem(await tokenize(ELECTRA.id, { inputs: '' }), 422)
    await problem(await tokenize(ELECTRA.id, { inputs: 'x', parameters: { top_k: 1 } }), 422)
    await problem(await tokenize('unknown-model', { inputs: 'x' }), 404)
    await problem(await tokenize(ELECTRA.id, 'not json'), 400)
  })
})
