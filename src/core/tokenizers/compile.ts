import { expectObject, isBool, isInt, isObject, isString, unsupported, type Json, type JsonObject } from './config-check.ts'
import { pack } from './format.ts'
import { loadTokenizer } from './load.ts'
import { ArrayTrie } from './models/trie.ts'
import { base64ToBytes } from './normalizers/precompiled.ts'
import { AppError } from '../errors.ts'

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)

/** Which model a tokenizer.json holds; the old format has no `type`, so infer it from keys as `models/mod.rs` does. */
function modelType(model: JsonObject): 'WordPiece' | 'Unigram' {
  const t = model.type
  if (t === 'WordPiece' || t === 'Unigram') return t
  if (t !== undefined) return unsupported('Model', t, ['WordPiece', 'Unigram'])
  if (isObject(model.vocab) && 'continuing_subword_prefix' in model && 'max_input_chars_per_word' in model) return 'WordPiece'
  if (Array.isArray(model.vocab) && 'unk_id' in model) return 'Unigram'
  if ('merges' in model) return unsupported('Model', 'BPE (untagged)', ['WordPiece', 'Unigram'])
  throw new AppError('invalid_tokenizer', 'model: no "type" and its keys match neither WordPiece nor Unigram.')
}

/** Replaces each Precompiled charsmap (base64) with a section reference; collects the bytes. */
function extractCharsmaps(config: Json | undefined, sections: Record<string, Uint8Array>): Json {
  if (Array.isArray(config)) return config.map((c) => extractCharsmaps(c, sections))
  if (!isObject(config)) return config ?? null
  const out: JsonObject = {}
  for (const [k, v] of Object.entries(config)) out[k] = extractCharsmaps(v, sections)
  if (config.type === 'Precompiled') {
    const b64 = config.precompiled_charsmap
    if (!isString(b64)) throw new AppError('invalid_tokenizer', 'normalizer Precompiled: "precompiled_charsmap" must be a base64 string.')
    const name = `charsmap${Object.keys(sections).filter((n) => n.startsWith('charsmap')).length}`
    sections[name] = base64ToBytes(b64)
    out.precompiled_charsmap = { section: name }
  }
  return out
}

/**
 * Compiles a Hugging Face tokenizer.json into the compact, versioned binary
 * the Worker loads from KV. Pure and deterministic (store it under its
 * sha256). Validates everything: an unsupported component or option throws
 * `TokenizerError('unsupported_component')` naming it, and the result is
 * loaded once before being returned, so bad bytes never get published.
 */
export function compileTokenizer(tokenizerJson: string): Uint8Array {
  let root: JsonObject
  try {
    root = expectObject(JSON.parse(tokenizerJson), 'tokenizer.json')
  } catch (e) {
    if (e instanceof AppError) throw e
    throw new AppError('invalid_tokenizer', `tokenizer.json is not valid JSON: ${String(e)}`)
  }
  const model = expectObject(root.model, 'model')
  const type = modelType(model)
  const sections: Record<string, Uint8Array> = {}
  const vocab = new Map<number, string>()
  const entries: Array<[string, number]> = []
  let modelHeader: JsonObject

  if (type === 'WordPiece') {
    const v = expectObject(model.vocab, 'WordPiece vocab')
    for (const [token, id] of Object.entries(v)) {
      if (!isInt(id))
        throw new AppError('invalid_tokenizer', `WordPiece vocab: id of ${JSON.stringify(token)} is not a non-negative integer.`)
      entries.push([token, id])
      vocab.set(id, token)
    }
    const unk = model.unk_token
    const prefix = model.continuing_subword_prefix ?? '##'
    const maxChars = model.max_input_chars_per_word ?? 100
    if (!isString(unk) || !(unk in v))
      throw new AppError('invalid_tokenizer', `WordPiece: unk_token ${JSON.stringify(unk)} is not in the vocab.`)
    if (!isString(prefix) || !isInt(maxChars))
      throw new AppError('invalid_tokenizer', 'WordPiece: bad continuing_subword_prefix or max_input_chars_per_word.')
    modelHeader = { type, unk_id: v[unk] ?? 0, unk_token: unk, continuing_subword_prefix: prefix, max_input_chars_per_word: maxChars }
  } else {
    const v = model.vocab
    if (!Array.isArray(v) || v.length === 0)
      throw new AppError('invalid_tokenizer', 'Unigram: "vocab" must be a non-empty array of [piece, score].')
    const scores = new Float64Array(v.length)
    v.forEach((item, id) => {
      if (!Array.isArray(item) || !isString(item[0]) || typeof item[1] !== 'number') {
        throw new AppError('invalid_tokenizer', `Unigram vocab[${id}] must be [piece, score].`)
      }
      entries.push([item[0], id])
      vocab.set(id, item[0])
      scores[id] = item[1]
    })
    if (model.byte_fallback === true) {
      throw new AppError('unsupported_component', 'Unigram with byte_fallback: true is not supported (ALBERT does not use it).')
    }
    const unkId = model.unk_id
    if (!isInt(unkId) || unkId >= v.length) {
      throw new AppError(
        'unsupported_component',
        `Unigram: unk_id ${JSON.stringify(unkId)} must be an id in the vocab (a model without unk is not supported).`,
      )
    }
    sections.scores = bytesOf(scores)
    modelHeader = { type, unk_id: unkId }
  }

  const added: JsonObject[] = []
  const addedList = root.added_tokens ?? []
  if (!Array.isArray(addedList)) throw new AppError('invalid_tokenizer', '"added_tokens" must be an array.')
  for (const item of addedList) {
    const t = expectObject(item, 'added_tokens[]')
    if (!isInt(t.id) || !isString(t.content) || t.content.length === 0) {
      throw new AppError('invalid_tokenizer', `added token ${JSON.stringify(item)} needs an integer id and non-empty content.`)
    }
    for (const flag of ['single_word', 'lstrip', 'rstrip', 'normalized'] as const) {
      if (t[flag] === true) {
        throw new AppError('unsupported_component', `added token ${JSON.stringify(t.content)}: ${flag}: true is not supported.`)
      }
    }
    vocab.set(t.id, t.content)
    added.push({ id: t.id, content: t.content, special: isBool(t.special) ? t.special : false })
  }

  const vocabSize = Math.max(...vocab.keys()) + 1
  const parts: string[] = []
  const offsets = new Uint32Array(vocabSize + 1)
  let at = 0
  for (let id = 0; id < vocabSize; id++) {
    const token = vocab.get(id)
    if (token === undefined) throw new AppError('invalid_tokenizer', `vocab has no token for id ${id} (ids must be contiguous).`)
    parts.push(token)
    offsets[id] = at
    at += token.length
  }
  offsets[vocabSize] = at
  sections.tokens = new TextEncoder().encode(parts.join(''))
  sections.token_offsets = bytesOf(offsets)
  const trie = ArrayTrie.build(entries)
  sections.trie_first = bytesOf(trie.first)
  sections.trie_labels = bytesOf(trie.labels)
  sections.trie_values = bytesOf(trie.values)

  const padding = isObject(root.padding) ? root.padding : null
  const padToken = added.find((t) => t.content === '[PAD]' || t.content === '<pad>')
  const padId = padding !== null && isInt(padding.pad_id) ? padding.pad_id : padToken !== undefined && isInt(padToken.id) ? padToken.id : 0

  const header = {
    model: modelHeader,
    normalizer: extractCharsmaps(root.normalizer, sections),
    pre_tokenizer: root.pre_tokenizer ?? null,
    post_processor: root.post_processor ?? null,
    added_tokens: added,
    vocab_size: vocabSize,
    pad_id: padId,
  }
  const bytes = pack(header, sections)
  loadTokenizer(bytes) // validates every component now, at publish time
  return bytes
}
