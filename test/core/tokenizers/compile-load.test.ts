import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { tokenizerFile } from '../../../scripts/paths.ts'
import { compileTokenizer, FORMAT_VERSION, loadTokenizer, padBatch } from '../../../src/core/tokenizers/index.ts'
import { compiledBytes, MODELS, realTokenizer } from './load-real.ts'
import { appErrorOf } from '../../support/errors.ts'

const electraJson = readFileSync(tokenizerFile('electra-small', 'tokenizer.json'), 'utf8')
const albertJson = readFileSync(tokenizerFile('albert-base-v2', 'tokenizer.json'), 'utf8')

const errorOf = appErrorOf

/** tokenizer.json with one part replaced. */
const edit = (json: string, f: (o: Record<string, unknown>) => void): string => {
  const o = JSON.parse(json) as Record<string, unknown>
  f(o)
  return JSON.stringify(o)
}

describe('compileTokenizer', () => {
  it('is deterministic', () => {
    expect(compileTokenizer(electraJson)).toEqual(compiledBytes(MODELS.electra))
  })

  it('infers WordPiece for the old untyped electra model and agrees with an explicit type', () => {
    const typed = loadTokenizer(compileTokenizer(edit(electraJson, (o) => ((o.model as Record<string, unknown>).type = 'WordPiece'))))
    const input = { text: 'Untyped models are WordPiece, inferred from keys.' }
    expect(typed.encode(input, { max_length: 64, truncation: true })).toEqual(
      realTokenizer(MODELS.electra).encode(input, { max_length: 64, truncation: true }),
    )
  })

  it.each([
    ['a BPE model', (o: Record<string, unknown>) => (o.model = { type: 'BPE', vocab: {}, merges: [] }), /Model "BPE"/],
    ['an NFC normalizer', (o: Record<string, unknown>) => (o.normalizer = { type: 'NFC' }), /Normalizer "NFC"/],
    ['a ByteLevel pre-tokenizer', (o: Record<string, unknown>) => (o.pre_tokenizer = { type: 'ByteLevel' }), /PreTokenizer "ByteLevel"/],
    [
      'a RobertaProcessing post-processor',
      (o: Record<string, unknown>) => (o.post_processor = { type: 'RobertaProcessing' }),
      /PostProcessor "RobertaProcessing"/,
    ],
    [
      'an lstrip added token',
      (o: Record<string, unknown>) =>
        ((o.added_tokens as Array<Record<string, unknown>>)[4] = { id: 103, content: '[MASK]', lstrip: true }),
      /lstrip/,
    ],
    [
      'an Oniguruma-only regex',
      (o: Record<string, unknown>) => (o.normalizer = { type: 'Replace', pattern: { Regex: '(?<=a)b' }, content: '' }),
      /Oniguruma/,
    ],
  ])('refuses %s with unsupported_component naming it', (_what, change, message) => {
    const e = errorOf(() => compileTokenizer(edit(electraJson, change)))
    expect(e.kind).toBe('unsupported_component')
    expect(e.message).toMatch(message)
  })

  it('refuses Unigram byte_fallback', () => {
    const e = errorOf(() => compileTokenizer(edit(albertJson, (o) => ((o.model as Record<string, unknown>).byte_fallback = true))))
    expect(e.kind).toBe('unsupported_component')
  })

  it('reports malformed input as invalid_tokenizer', () => {
    expect(errorOf(() => compileTokenizer('{not json')).kind).toBe('invalid_tokenizer')
    expect(
      errorOf(() => compileTokenizer(edit(electraJson, (o) => ((o.model as Record<string, unknown>).unk_token = '[NOPE]')))).kind,
    ).toBe('invalid_tokenizer')
  })
})

describe('loadTokenizer', () => {
  it('exposes pad_id and vocab_size', () => {
    expect([realTokenizer(MODELS.electra).pad_id, realTokenizer(MODELS.electra).vocab_size]).toEqual([0, 30522])
    expect([realTokenizer(MODELS.albert).pad_id, realTokenizer(MODELS.albert).vocab_size]).toEqual([0, 30000])
  })

  it('rejects foreign, truncated and other-version bytes as invalid_format', () => {
    const good = compiledBytes(MODELS.electra)
    expect(errorOf(() => loadTokenizer(new TextEncoder().encode('{"model":{}}'))).kind).toBe('invalid_format')
    expect(errorOf(() => loadTokenizer(good.subarray(0, 200))).kind).toBe('invalid_format')
    const other = good.slice()
    new DataView(other.buffer).setUint32(4, FORMAT_VERSION + 1, true)
    const e = errorOf(() => loadTokenizer(other))
    expect(e.kind).toBe('invalid_format')
    expect(e.message).toContain(`version ${FORMAT_VERSION + 1}`)
  })

  it('loads from a misaligned view', () => {
    const good = compiledBytes(MODELS.albert)
    const shifted = new Uint8Array(good.length + 3)
    shifted.set(good, 3)
    const input = { text: 'Alignment does not matter.' }
    const opts = { max_length: 32, truncation: true }
    expect(loadTokenizer(shifted.subarray(3)).encode(input, opts)).toEqual(realTokenizer(MODELS.albert).encode(input, opts))
  })
})

describe('encode options', () => {
  const tok = realTokenizer(MODELS.electra)
  it('throws too_long with the counts when truncation is off', () => {
    const e = errorOf(() => tok.encode({ text: 'one two three four' }, { max_length: 5, truncation: false }))
    expect(e.kind).toBe('too_long')
    expect(e.message).toContain('needs 6 tokens (2 special) but max_length is 5')
  })
  it('refuses a max_length below the special tokens', () => {
    expect(errorOf(() => tok.encode({ text: 'a b', text_pair: 'c' }, { max_length: 2, truncation: true })).kind).toBe('invalid_options')
  })
  it('truncates pairs longest-first and keeps [SEP]s', () => {
    const e = tok.encode({ text: 'a b c d e f g', text_pair: 'x y' }, { max_length: 8, truncation: true })
    expect(e.tokens).toEqual(['[CLS]', 'a', 'b', 'c', '[SEP]', 'x', 'y', '[SEP]'])
    expect(e.token_type_ids).toEqual([0, 0, 0, 0, 0, 1, 1, 1])
  })
})

describe('padBatch', () => {
  it('right-pads to the longest with pad_id, mask 0 and type 0', () => {
    const tok = realTokenizer(MODELS.albert)
    const opts = { max_length: 16, truncation: true }
    const a = tok.encode({ text: 'hello' }, opts)
    const b = tok.encode({ text: 'hello world', text_pair: 'again' }, opts)
    const { input_ids, attention_mask, token_type_ids } = padBatch([a, b], 7)
    expect(input_ids.dims).toEqual([2, 6])
    expect(Array.from(input_ids.data, Number)).toEqual([2, 10975, 3, 7, 7, 7, ...b.ids])
    expect(Array.from(attention_mask.data, Number)).toEqual([1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    expect(Array.from(token_type_ids.data, Number)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
  })
  it('handles an empty batch', () => {
    expect(padBatch([], 0).input_ids.dims).toEqual([0, 0])
  })
})
