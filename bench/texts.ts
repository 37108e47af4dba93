/**
 * Inputs that tokenize to exactly N tokens (special tokens included) with a
 * model's own tokenizer, so every method runs the same shapes.
 */
import { type Tokenizer } from '../src/core/tokenizers/tokenizer.ts'

const WORDS = (
  'the committee approved a new budget for public libraries after months of debate and several late night meetings ' +
  'while residents asked whether the bus service would return to the northern districts before winter arrives ' +
  'our team shipped the release on friday but customers reported slow pages so we rolled back and fixed the cache ' +
  'please send me the invoice for last month together with the signed contract and any notes about delivery times'
).split(' ')

/**
 * A text of exactly `tokens` tokens; `variant` shifts the word stream so that
 * the texts of a batch differ.
 */
export function textOfLength(tokenizer: Tokenizer, tokens: number, variant = 0): string {
  const count = (t: string): number => tokenizer.encode({ text: t }, { max_length: 512, truncation: false }).ids.length
  let text = ''
  let i = variant * 7
  while (count(text) < tokens) {
    const word = WORDS[i++ % WORDS.length] ?? 'the'
    const next = text === '' ? word : `${text} ${word}`
    // A word that would overshoot is replaced by "a", one token in both vocabularies.
    text = count(next) <= tokens ? next : text === '' ? 'a' : `${text} a`
    if (i > 100_000) break
  }
  if (count(text) !== tokens) throw new Error(`could not build a ${tokens}-token text (got ${count(text)})`)
  return text
}

export interface Shape {
  batch: number
  seq: number
}

export const SHAPES: Shape[] = [
  { batch: 1, seq: 16 },
  { batch: 1, seq: 64 },
  { batch: 1, seq: 128 },
  // The trained defaults truncate at 256 tokens, and most emails are longer.
  { batch: 1, seq: 256 },
  { batch: 8, seq: 64 },
]

/** The texts of one shape and their token ids, row-major [batch, seq]. */
export function inputsFor(tokenizer: Tokenizer, shape: Shape): { texts: string[]; ids: number[][]; typeIds: number[][] } {
  const texts = Array.from({ length: shape.batch }, (_, v) => textOfLength(tokenizer, shape.seq, v))
  const encodings = texts.map((text) => tokenizer.encode({ text }, { max_length: 512, truncation: false }))
  return { texts, ids: encodings.map((e) => [...e.ids]), typeIds: encodings.map((e) => [...e.token_type_ids]) }
}
