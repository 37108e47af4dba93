/**
 * A tokenizer.json in the form transformers' BertConverter writes for
 * ERNIE 3.0 (nghuyong/ernie-3.0-*-zh: BertTokenizer, do_lower_case,
 * tokenize_chinese_chars): BertNormalizer with handle_chinese_chars,
 * BertPreTokenizer, WordPiece ("##", 100 chars), [CLS] A [SEP] / B [SEP].
 * ERNIE's own vocab.txt is not available here, so the vocabulary is built
 * in the test: ERNIE's special-token layout ([PAD] 0, [CLS] 1, [SEP] 2,
 * [MASK] 3), then single CJK characters, "##" continuations of CJK
 * characters (ERNIE's vocab has them; a split CJK character never uses
 * them), Latin words and pieces, digits and full-width punctuation.
 */

const CJK =
  '的一是了不在人有我他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坐集编宝谈府拉黑且随格尽剑讲布杀微怕母调局根曾准团段终乐切级克精哪官示冷域假证'
const WORDS = [
  'hello',
  'world',
  'the',
  'model',
  'is',
  'a',
  'test',
  'ai',
  'ok',
  'bert',
  'er',
  'nie',
  'ernie',
  'tok',
  'en',
  'iz',
  'zurich',
  'tokyo',
  'price',
  'yuan',
  'ch',
  'ina',
  'edge',
  'work',
  'ers',
  'nano',
  'go',
  'od',
]
const PIECES = ['##s', '##er', '##ed', '##ing', '##nie', '##en', '##ize', '##rs', '##od', '##a', '##i', '##o', '##e', '##n', '##r', '##t']
const PUNCT = [
  '，',
  '。',
  '！',
  '？',
  '、',
  '：',
  '；',
  '（',
  '）',
  '《',
  '》',
  '“',
  '”',
  ',',
  '.',
  '!',
  '?',
  '(',
  ')',
  '-',
  '%',
  '$',
  '@',
  '#',
  '/',
]
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '100', '2024', '##0', '##1', '##2', '##3', '##4', '##5']
const LATIN = 'abcdefghijklmnopqrstuvwxyz'.split('')

/** The vocabulary, id order = array order. */
export function ernieVocab(): string[] {
  const tokens = [
    '[PAD]',
    '[CLS]',
    '[SEP]',
    '[MASK]',
    ...PUNCT,
    ...CJK,
    ...[...CJK].slice(0, 40).map((c) => `##${c}`),
    ...WORDS,
    ...PIECES,
    ...DIGITS,
    ...LATIN,
    ...LATIN.map((c) => `##${c}`),
    '[UNK]',
  ]
  return [...new Set(tokens)]
}

/** The tokenizer.json text. */
export function ernieTokenizerJson(): string {
  const vocab = Object.fromEntries(ernieVocab().map((t, i) => [t, i]))
  const special = (content: string): object => ({
    id: vocab[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  })
  const ids = (content: string): object => ({ id: content, ids: [vocab[content]], tokens: [content] })
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['[PAD]', '[CLS]', '[SEP]', '[MASK]', '[UNK]'].map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: { '[CLS]': ids('[CLS]'), '[SEP]': ids('[SEP]') },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  })
}
