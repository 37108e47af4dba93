import { describe, expect, it } from 'vitest'
import { MODELS, realTokenizer, vectors } from './load-real.ts'

const opts = { max_length: 512, truncation: false }

describe.each([
  ['albert-base-v2', MODELS.albert, 'albert-base-v2.tokenizers-js.json'],
  ['electra-small (bert-base-uncased vectors)', MODELS.electra, 'bert-base-uncased.tokenizers-js.json'],
])('%s matches every public vector', (_name, model, file) => {
  const tok = realTokenizer(model)
  const unk = model === MODELS.albert ? 1 : 100
  it.each(vectors(file))('%s', (_key, v) => {
    const e = tok.encode(v.text_pair === undefined ? { text: v.text } : { text: v.text, text_pair: v.text_pair }, opts)
    expect(e.ids).toEqual(v.ids)
    // vector tokens exclude specials and show the raw text for an unk
    // single sequences: tokens between [CLS] and [SEP]; WordPiece names an unknown word [UNK]
    const expected = v.tokens.map((t, i) => (v.ids[i + 1] === unk && model === MODELS.electra ? '[UNK]' : t))
    if (v.text_pair === undefined) expect(e.tokens.slice(1, -1)).toEqual(expected)
    else {
      const firstSep = e.ids.indexOf(e.ids.at(-1) ?? -1)
      expect(e.token_type_ids).toEqual(e.ids.map((_, i) => (i <= firstSep ? 0 : 1)))
    }
    expect(e.attention_mask).toEqual(e.ids.map(() => 1))
  })
})

describe('electra-small: transformers test_tokenization_bert.py cases (VECTORS-notes §4)', () => {
  const tok = realTokenizer(MODELS.electra)
  const tokens = (text: string): string[] => tok.encode({ text }, opts).tokens.slice(1, -1)
  it('BasicTokenizer lower-cases, strips accents and splits punctuation', () => {
    expect(tokens(' \tHeLLo!how  \n Are yoU?  ')).toEqual(['hello', '!', 'how', 'are', 'you', '?'])
    expect(tokens('H\u00E9llo')).toEqual(['hello'])
    expect(tokens("a\n'll !!to?'d of, can't.")).toEqual(['a', "'", 'll', '!', '!', 'to', '?', "'", 'd', 'of', ',', 'can', "'", 't', '.'])
  })
  it('isolates CJK ideographs', () => {
    // BasicTokenizer gives ah 博 推 zz; WordPiece then splits zz into z ##z
    const e = tok.encode({ text: 'ah\u535A\u63A8zz' }, opts)
    expect(e.tokens.slice(1, -1)).toEqual(['ah', '\u535A', '[UNK]', 'z', '##z']) // 推 is not in the vocab
    expect(e.offsets.slice(1, -1)).toEqual([
      [0, 2],
      [2, 3],
      [3, 4],
      [4, 5],
      [5, 6],
    ])
  })
  it('clean_text drops a soft hyphen', () => {
    expect(tokens('\xad')).toEqual([])
  })
  it('builds [CLS] A [SEP] and [CLS] A [SEP] B [SEP]', () => {
    const a = tok.encode({ text: 'hello' }, opts)
    const p = tok.encode({ text: 'hello', text_pair: 'world' }, opts)
    expect(a.ids).toEqual([101, 7592, 102])
    expect(p.ids).toEqual([101, 7592, 102, 2088, 102])
    expect(p.token_type_ids).toEqual([0, 0, 0, 1, 1])
  })
})

describe('albert-base-v2: Unigram details', () => {
  const tok = realTokenizer(MODELS.albert)
  it('fuses consecutive unknown characters into one <unk>', () => {
    const e = tok.encode({ text: '\u751f\u6d3b\u7684\u771f\u8c1b\u662f' }, opts)
    expect(e.ids).toEqual([2, 13, 1, 3])
    expect(e.tokens[2]).toBe('生活的真谛是')
  })
  it('gives offsets in UTF-16 units of the original text', () => {
    const e = tok.encode({ text: 'Hello World' }, opts)
    expect(e.tokens).toEqual(['[CLS]', '▁hello', '▁world', '[SEP]'])
    expect(e.offsets).toEqual([
      [0, 0],
      [0, 5],
      [6, 11],
      [0, 0],
    ])
  })
  it('matches special tokens in raw text before normalization', () => {
    expect(tok.encode({ text: '[MASK]hello' }, opts).ids).toEqual([2, 4, 10975, 3])
  })
})

describe('electra-small: WordPiece details', () => {
  const tok = realTokenizer(MODELS.electra)
  it('a word over max_input_chars_per_word (100) is one [UNK]', () => {
    expect(tok.encode({ text: 'a'.repeat(100) }, opts).ids).not.toContain(100)
    expect(tok.encode({ text: 'a'.repeat(101) }, opts).ids).toEqual([101, 100, 102])
  })
  it('splits greedily with ## continuations and keeps sub-word offsets', () => {
    const e = tok.encode({ text: 'obj.toString' }, opts)
    expect(e.tokens).toEqual(['[CLS]', 'ob', '##j', '.', 'to', '##st', '##ring', '[SEP]'])
    expect(e.offsets.slice(1, -1)).toEqual([
      [0, 2],
      [2, 3],
      [3, 4],
      [4, 6],
      [6, 8],
      [8, 12],
    ])
  })
  it('isolates supplementary-plane CJK (Ext. B) like the crate', () => {
    expect(tok.encode({ text: '\u{20000}x' }, opts).tokens).toEqual(['[CLS]', '[UNK]', 'x', '[SEP]'])
  })
  it('lowercases per code point (no final-sigma rule, as Rust char::to_lowercase)', () => {
    const e = tok.encode({ text: 'ΟΔΟΣ' }, opts)
    expect(e.tokens.join(' ')).not.toContain('ς')
  })
})
