import { splitOnAddedTokens, type AddedToken } from './added-tokens.ts'
import type { Model } from './models/types.ts'
import { NormalizedString } from './normalized-string.ts'
import type { Normalizer } from './normalizers/types.ts'
import type { PreTokenizer } from './pre-tokenizers/types.ts'
import { addedTokenCount, type TemplatePiece, type TemplateProcessing } from './processors/template.ts'
import type { EncodeInput, EncodeOptions, Encoding } from './types.ts'
import { AppError } from '../errors.ts'

/** One token of one sequence before post-processing. */
interface SeqToken {
  id: number
  token: string
  offsets: [number, number]
}

/** The components a tokenizer is made of (built by `loadTokenizer`). */
export interface TokenizerParts {
  normalizer: Normalizer | null
  preTokenizer: PreTokenizer | null
  model: Model
  template: TemplateProcessing | null
  addedTokens: AddedToken[]
  /** id → token string */
  idToToken: (id: number) => string
  vocab_size: number
  pad_id: number
}

/**
 * The encode pipeline of `tokenizers/src/tokenizer/mod.rs`: added tokens →
 * normalize → pre-tokenize → model → truncate → post-process.
 */
export class Tokenizer {
  /** id used to pad a batch */
  readonly pad_id: number
  readonly vocab_size: number
  private readonly parts: TokenizerParts

  constructor(parts: TokenizerParts) {
    this.parts = parts
    this.pad_id = parts.pad_id
    this.vocab_size = parts.vocab_size
  }

  /** The token string of an id ('' when out of range). */
  idToToken(id: number): string {
    return this.parts.idToToken(id)
  }

  /** Tokenizes one sequence without special tokens (offsets in UTF-16 units of `text`). */
  encodeSequence(text: string): SeqToken[] {
    const { normalizer, preTokenizer, model, addedTokens } = this.parts
    const out: SeqToken[] = []
    for (const section of splitOnAddedTokens(text, addedTokens)) {
      if (section.token !== undefined) {
        out.push({ id: section.token.id, token: section.token.content, offsets: [section.start, section.end] })
        continue
      }
      let s = NormalizedString.fromOriginal(text.slice(section.start, section.end), section.start)
      if (normalizer !== null) s = normalizer.normalize(s)
      const words = preTokenizer === null ? [s] : preTokenizer.preTokenize([s])
      for (const w of words) {
        for (const t of model.tokenize(w.text)) out.push({ id: t.id, token: t.value, offsets: w.originalRange(t.start, t.end) })
      }
    }
    return out
  }

  encode(input: EncodeInput, options: EncodeOptions): Encoding {
    const { max_length, truncation } = options
    if (!Number.isInteger(max_length) || max_length < 0) {
      throw new AppError('invalid_options', `max_length must be a non-negative integer, got ${max_length}.`)
    }
    const isPair = input.text_pair !== undefined
    const template = this.parts.template
    const pieces: TemplatePiece[] | null = template === null ? null : isPair ? template.pair : template.single
    const added = pieces === null ? 0 : addedTokenCount(pieces)
    let a = this.encodeSequence(input.text)
    let b = input.text_pair === undefined ? null : this.encodeSequence(input.text_pair)
    const total = a.length + (b?.length ?? 0)
    if (total + added > max_length) {
      if (!truncation) {
        throw new AppError(
          'too_long',
          `Input needs ${total + added} tokens (${added} special) but max_length is ${max_length}; shorten it or enable truncation.`,
        )
      }
      if (max_length < added) {
        throw new AppError('invalid_options', `max_length ${max_length} is below the ${added} special tokens the template adds.`)
      }
      ;[a, b] = truncateLongestFirst(a, b, max_length - added)
    }
    return postProcess(a, b, pieces)
  }
}

/** `truncate_encodings` with LongestFirst, stride 0, direction Right. */
export function truncateLongestFirst<T>(a: T[], b: T[] | null, maxLength: number): [T[], T[] | null] {
  if (b === null) return [a.slice(0, maxLength), null]
  let n1 = a.length
  let n2 = b.length
  if (n1 + n2 <= maxLength) return [a, b]
  const swap = n1 > n2
  if (swap) [n1, n2] = [n2, n1]
  n2 = n1 > maxLength ? n1 : Math.max(n1, maxLength - n1)
  if (n1 + n2 > maxLength) {
    n1 = Math.floor(maxLength / 2)
    n2 = n1 + (maxLength % 2)
  }
  if (swap) [n1, n2] = [n2, n1]
  return [a.slice(0, n1), b.slice(0, n2)]
}

function postProcess(a: SeqToken[], b: SeqToken[] | null, pieces: TemplatePiece[] | null): Encoding {
  const enc: Encoding = { ids: [], tokens: [], attention_mask: [], token_type_ids: [], offsets: [] }
  const push = (id: number, token: string, type: number, offsets: [number, number]): void => {
    enc.ids.push(id)
    enc.tokens.push(token)
    enc.attention_mask.push(1)
    enc.token_type_ids.push(type)
    enc.offsets.push(offsets)
  }
  const pushSeq = (seq: SeqToken[], type: number): void => {
    for (const t of seq) push(t.id, t.token, type, t.offsets)
  }
  if (pieces === null) {
    pushSeq(a, 0)
    if (b !== null) pushSeq(b, 1)
    return enc
  }
  for (const p of pieces) {
    if (p.kind === 'special') p.ids.forEach((id, k) => push(id, p.tokens[k] ?? '', p.type_id, [0, 0]))
    else if (p.sequence === 'A') pushSeq(a, p.type_id)
    else if (b !== null) pushSeq(b, p.type_id)
  }
  return enc
}
