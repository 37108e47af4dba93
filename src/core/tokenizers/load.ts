import type { AddedToken } from './added-tokens.ts'
import { isObject, isString, type Json } from './config-check.ts'
import { unpack } from './format.ts'
import { ArrayTrie } from './models/trie.ts'
import { Unigram } from './models/unigram/model.ts'
import { WordPiece } from './models/wordpiece.ts'
import type { Model } from './models/types.ts'
import { normalizerFromConfig } from './normalizers/index.ts'
import { preTokenizerFromConfig } from './pre-tokenizers/index.ts'
import { templateFromConfig } from './processors/template.ts'
import { Tokenizer } from './tokenizer.ts'
import { AppError } from '../errors.ts'

interface ModelHeader {
  type: 'WordPiece' | 'Unigram'
  unk_id: number
  unk_token?: string
  continuing_subword_prefix?: string
  max_input_chars_per_word?: number
}

/**
 * Loads bytes made by `compileTokenizer`. Sections are viewed in place (no
 * vocab hashing, no trie building), so a cold isolate pays only for a small
 * JSON header and one UTF-8 decode of the token strings.
 */
export function loadTokenizer(bytes: Uint8Array): Tokenizer {
  const u = unpack(bytes)
  const h = u.header
  const m = h.model as ModelHeader
  const trie = new ArrayTrie(u.u32('trie_first'), u.u16('trie_labels'), u.i32('trie_values'))
  const tokenText = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(u.bytes('tokens'))
  const offsets = u.u32('token_offsets')
  const vocabSize = offsets.length - 1
  const idToToken = (id: number): string => (id >= 0 && id < vocabSize ? tokenText.slice(offsets[id], offsets[id + 1]) : '')

  let model: Model
  if (m.type === 'WordPiece') {
    model = new WordPiece(trie, m.unk_id, m.unk_token ?? '[UNK]', m.continuing_subword_prefix ?? '##', m.max_input_chars_per_word ?? 100)
  } else if (m.type === 'Unigram') {
    model = new Unigram(trie, u.f64('scores'), m.unk_id)
  } else {
    throw new AppError('invalid_format', `Compiled tokenizer names unknown model ${JSON.stringify(m.type)}.`)
  }
  const charsmap = (value: Json | undefined): Uint8Array => {
    if (isObject(value) && isString(value.section)) return u.bytes(value.section)
    throw new AppError('invalid_format', 'Compiled tokenizer: Precompiled step has no charsmap section.')
  }
  return new Tokenizer({
    normalizer: normalizerFromConfig(h.normalizer as Json, charsmap),
    preTokenizer: preTokenizerFromConfig(h.pre_tokenizer as Json),
    model,
    template: templateFromConfig(h.post_processor as Json),
    addedTokens: h.added_tokens as AddedToken[],
    idToToken,
    vocab_size: Number(h.vocab_size),
    pad_id: Number(h.pad_id),
  })
}
