/**
 * The tokenizers of DistilBERT and ERNIE 3.0 against Hugging Face.
 *
 * distilbert-base-uncased's tokenizer.json is bert-base-uncased's (the same
 * vocab.txt and BertTokenizer options; only tokenizer_config.json's
 * model_input_names differs, dropping token_type_ids), so the bert-base-uncased
 * file in shared/tokenizers stands for it. ERNIE 3.0's vocabulary is not
 * available here: its tokenizer.json is built in the test
 * (ernie-tokenizer.ts). Both are checked on Chinese and mixed-script text
 * against fixed vectors worked out from the rules of `tokenizers`'
 * normalizers/bert.rs and against tokenizers.js (@huggingface/tokenizers),
 * HF's own JavaScript port, on the Basic Multilingual Plane. tokenizers.js
 * walks UTF-16 units when it spaces out Chinese characters, so it never
 * isolates a supplementary-plane ideograph (CJK Ext-B and later), which the
 * Rust library does; those are fixed vectors only.
 */
import { readFileSync } from 'node:fs'
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { tokenizerFile } from '../../../scripts/paths.ts'
import { compileTokenizer, loadTokenizer } from '../../../src/core/tokenizers/index.ts'
import { ernieTokenizerJson, ernieVocab } from './ernie-tokenizer.ts'
import { MODELS, realTokenizer } from './load-real.ts'

const opts = { max_length: 100_000, truncation: false }

/** Chinese, and Chinese beside Latin, Cyrillic, kana, Hangul, digits, full-width forms and emoji. */
const MIXED = [
  '生活的真谛是爱',
  '我爱北京天安门。',
  '自然语言处理（NLP）很有意思！',
  'ERNIE 3.0是百度的模型，BERT是Google的。',
  'hello世界123',
  '价格：100元，约$14.5',
  'Zürich和東京、Москва',
  'カタカナとひらがなは分けない',
  '한국어 텍스트와 中文',
  'ＡＢＣ１２３ｘｙｚ全角',
  '丽 (U+F900 compatibility) 㐀 (Ext-A)',
  '表情😀不是汉字',
  '  多个   空格\t和\n换行  ',
  '中\u0301文 accents: café naïve',
  '[CLS]中文[SEP]english[MASK]',
  '3.0版本2024年发布',
]

const hf = (json: string): HfTokenizer => new HfTokenizer(JSON.parse(json) as object, {})

describe.each([
  [
    'distilbert-base-uncased (bert-base-uncased tokenizer.json)',
    () => readFileSync(tokenizerFile(MODELS.electra, 'tokenizer.json'), 'utf8'),
  ],
  ['ERNIE 3.0 (built in the test)', ernieTokenizerJson],
])('%s agrees with tokenizers.js', (_name, json) => {
  const text = json()
  const ours = loadTokenizer(compileTokenizer(text))
  const theirs = hf(text)

  it.each(MIXED)('%s', (input) => {
    const expected = theirs.encode(input)
    const e = ours.encode({ text: input }, opts)
    expect(e.ids).toEqual(expected.ids)
    expect(e.tokens).toEqual(expected.tokens)
  })

  it('on text pairs', () => {
    for (let i = 0; i + 1 < MIXED.length; i++) {
      const a = MIXED[i] ?? ''
      const b = MIXED[i + 1] ?? ''
      const expected = theirs.encode(a, { text_pair: b })
      const e = ours.encode({ text: a, text_pair: b }, opts)
      expect(e.ids).toEqual(expected.ids)
      const single = ours.encode({ text: a }, opts).ids.length // [CLS] A [SEP]
      expect(e.token_type_ids).toEqual(e.ids.map((_, j) => (j < single ? 0 : 1)))
    }
  })

  it('on random CJK, kana, Hangul, Latin and punctuation', () => {
    const ranges: Array<[number, number]> = [
      [0x4e00, 0x4eff],
      [0x3040, 0x30ff],
      [0xac00, 0xac40],
      [0x3400, 0x3410],
      [0xf900, 0xf910],
      [0xff01, 0xff5e],
      [0x3000, 0x303f],
      [0x61, 0x7a],
      [0x41, 0x5a],
      [0x30, 0x39],
    ]
    const unit = fc.oneof(
      // Unassigned code points (Cn) excepted: bert.rs drops them as "other", tokenizers.js keeps them.
      ...ranges.map(([lo, hi]) =>
        fc
          .integer({ min: lo, max: hi })
          .map((c) => String.fromCodePoint(c))
          .filter((c) => !/\p{Cn}/u.test(c)),
      ),
      fc.constantFrom(' ', '，', '。', '的', '是', '##', 'é', '\u0301', '\u00a0', '\t'),
    )
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 60 }), (input) => {
        expect(ours.encode({ text: input }, opts).ids).toEqual(theirs.encode(input).ids)
      }),
      { numRuns: 400 },
    )
  })
})

describe('ERNIE 3.0 vectors (BasicTokenizer: every CJK ideograph is its own word)', () => {
  const tok = loadTokenizer(compileTokenizer(ernieTokenizerJson()))
  const id = new Map(ernieVocab().map((t, i) => [t, i]))
  const tokens = (text: string): string[] => tok.encode({ text }, opts).tokens.slice(1, -1)

  it('splits Chinese per character, never into ## continuations', () => {
    expect(tokens('我爱北京天安门。')).toEqual(['我', '爱', '北', '京', '天', '安', '门', '。'])
    expect(tokens('生活的真谛是')).toEqual(['生', '活', '的', '真', '[UNK]', '是'])
    const e = tok.encode({ text: '中文' }, opts)
    expect(e.ids).toEqual([1, id.get('中'), id.get('文'), 2])
    expect(e.offsets).toEqual([
      [0, 0],
      [0, 1],
      [1, 2],
      [0, 0],
    ])
  })

  it('keeps Latin words whole around Chinese and lower-cases them', () => {
    expect(tokens('ERNIE是模型')).toEqual(['ernie', '是', '[UNK]', '[UNK]'])
    expect(tokens('hello世界123')).toEqual(['hello', '世', '界', '1', '##2', '##3'])
    expect(tokens('Zürich和')).toEqual(['zurich', '和'])
  })

  it('drops unassigned code points as clean_text does', () => {
    expect(tokens('a\u3040b')).toEqual(tokens('ab'))
  })

  it('does not split kana or Hangul (not CJK ideographs), does split Ext-B and compatibility ideographs', () => {
    expect(tokens('カタカナ')).toEqual(['[UNK]'])
    expect(tokens('한국어')).toEqual(['[UNK]'])
    expect(tokens('丽丽')).toEqual(['[UNK]', '[UNK]'])
    // Supplementary-plane ideographs are isolated too: one word, one [UNK] each.
    expect(tokens('𠀀𠀁a')).toEqual(['[UNK]', '[UNK]', 'a'])
    expect(tok.encode({ text: '𠀀𠀁a' }, opts).offsets.slice(1, -1)).toEqual([
      [0, 2],
      [2, 4],
      [4, 5],
    ])
    // bert.rs's ranges skip U+2B820..U+2B91F (Ext-E's start): such a character stays inside its word.
    expect(tokens('\u{2b820}a')).toEqual(['[UNK]'])
    expect(tokens('\u{2b920}a')).toEqual(['[UNK]', 'a'])
  })

  it('splits full-width punctuation, keeps full-width Latin as one lower-cased word', () => {
    expect(tokens('好，对！')).toEqual(['好', '，', '对', '！'])
    // ＡＢＣ lower-cases to ａｂｃ, which this vocab lacks: one word, one [UNK].
    expect(tokens('ＡＢＣ')).toEqual(['[UNK]'])
  })

  it('builds [CLS] A [SEP] B [SEP] with ERNIE ids 1 and 2', () => {
    const e = tok.encode({ text: '你好', text_pair: 'hello' }, opts)
    expect(e.ids).toEqual([1, id.get('你'), id.get('好'), 2, id.get('hello'), 2])
    expect(e.token_type_ids).toEqual([0, 0, 0, 0, 1, 1])
  })
})

describe('bert-base-uncased (DistilBERT) on Chinese and mixed scripts', () => {
  const tok = realTokenizer(MODELS.electra)
  const encode = (text: string): { ids: number[]; tokens: string[] } => {
    const e = tok.encode({ text }, opts)
    return { ids: e.ids.slice(1, -1), tokens: e.tokens.slice(1, -1) }
  }

  it('isolates each ideograph; unknown ones become [UNK] one by one', () => {
    // The tokenizers.js CHINESE_ONLY vector for bert-base-uncased.
    expect(encode('\u751f\u6d3b\u7684\u771f\u8c1b\u662f').ids).toEqual([1910, 100, 1916, 1921, 100, 100])
    expect(encode('hello世界').tokens).toEqual(['hello', '世', '[UNK]'])
  })

  it('strips accents and lower-cases Latin and Cyrillic beside Chinese', () => {
    expect(encode('Héllo мир 東京').tokens).toEqual(['hello', 'м', '##и', '##р', '東', '京'])
  })
})
