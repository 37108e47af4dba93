import { readFileSync } from 'node:fs'
import { compileTokenizer, loadTokenizer, type Tokenizer } from '../src/core/tokenizers/index.ts'
import { tokenizerFile } from '../scripts/paths.ts'
import type { Example } from './data.ts'
import type { Batch } from './model.ts'

/**
 * Tokenized examples and padded batches. Texts are tokenized once with the
 * project's own tokenizer (the one the Worker runs) and truncated to
 * max_length, exactly as a classify request is.
 */

/**
 * Characters kept before tokenizing. Every token covers at least one
 * character, so cutting far beyond max_length tokens cannot change the
 * truncated encoding; it also keeps multi-megabyte bodies away from the
 * normalizer's spread-argument paths.
 */
export const MAX_CHARS = 10_000

/** One tokenized example. */
export interface Encoded {
  ids: number[]
  label: 0 | 1
}

/**
 * A training view with the text its ids encode, up to the last token kept, so
 * a teacher with another tokenizer (train/teacher.ts) reads what the student read.
 */
export interface Viewed extends Encoded {
  text: string
}

/** The text an encoding covers: up to the end of its last token, so a truncated encoding's text ends where it was cut. */
export const coveredText = (text: string, offsets: ReadonlyArray<readonly [number, number]>): string =>
  text.slice(
    0,
    offsets.reduce((end, [, e]) => Math.max(end, e), 0),
  )

/** The project's tokenizer for a shared tokenizer folder ('electra-small' or 'albert-base-v2'). */
export function sharedTokenizer(folder: string): Tokenizer {
  return loadTokenizer(compileTokenizer(readFileSync(tokenizerFile(folder, 'tokenizer.json'), 'utf8')))
}

/** Tokenizes examples with truncation at maxLength (special tokens included). */
export function encodeExamples(tokenizer: Tokenizer, examples: readonly Example[], maxLength: number): Encoded[] {
  return examples.map((e) => ({
    ids: tokenizer.encode({ text: e.text.slice(0, MAX_CHARS) }, { max_length: maxLength, truncation: true }).ids,
    label: e.label,
  }))
}

/** Pads a slice of encoded examples to its longest member (right padding with padId, mask 0). */
export function makeBatch(items: readonly Encoded[], padId: number): Batch & { labels: Int32Array } {
  const seq = Math.max(1, ...items.map((e) => e.ids.length))
  const ids = new Int32Array(items.length * seq).fill(padId)
  const mask = new Int32Array(items.length * seq)
  const labels = new Int32Array(items.length)
  items.forEach((e, b) => {
    ids.set(e.ids, b * seq)
    mask.fill(1, b * seq, b * seq + e.ids.length)
    labels[b] = e.label
  })
  return { ids, mask, batch: items.length, seq, labels }
}
