import { mulberry32 } from '../scripts/checkpoint/random.ts'

/**
 * Views of an email body at many lengths, for training without the length
 * shortcut: SpamAssassin's ham is mostly long mailing-list traffic with quoted
 * replies and signatures, so a model trained on whole bodies learns "short and
 * bare" as a spam signal. A view is the body with quotes and signature
 * stripped, its first paragraphs, a random window or its first words, cut to a
 * length drawn independently of the label, so both classes are seen at every
 * length.
 */

/** How a view is cut from a body. */
export type ViewKind = 'body' | 'stripped' | 'first-paragraphs' | 'window' | 'head'

/** A batch's token length and how often it is drawn. */
export interface LengthBucket {
  tokens: number
  weight: number
}

/**
 * Token lengths of training batches. Every batch has one length, the same for
 * ham and spam, so length carries no label; short batches are also cheaper
 * (a batch is padded to its longest member). The 256-token share keeps the
 * whole-body task the corpus test split measures.
 */
export const LENGTH_BUCKETS: readonly LengthBucket[] = [
  { tokens: 16, weight: 0.2 },
  { tokens: 32, weight: 0.2 },
  { tokens: 64, weight: 0.2 },
  { tokens: 128, weight: 0.25 },
  { tokens: 256, weight: 0.15 },
]

/** Draws a bucket by weight. */
export function drawBucket(random: () => number, buckets: readonly LengthBucket[] = LENGTH_BUCKETS): LengthBucket {
  const total = buckets.reduce((s, b) => s + b.weight, 0)
  let r = random() * total
  for (const b of buckets) {
    r -= b.weight
    if (r < 0) return b
  }
  const last = buckets[buckets.length - 1]
  if (last === undefined) throw new Error('drawBucket: no buckets')
  return last
}

// Attribution lines that introduce a quoted reply ("On Fri, Jim wrote:", Outlook's header block).
const ATTRIBUTION = /^(.{0,120}\b(wrote|writes|said|schrieb)\s*:\s*|-{2,}\s*original message\s*-{2,}|(from|sent|to|cc|subject|date):\s.*)$/i
// "> text", ">> text", and supercite's "Name> text".
const QUOTED = /^\s*([A-Za-z]{0,20}>)+/

/** Removes quoted reply lines and the lines that introduce them. */
export function stripQuotes(text: string): string {
  return text
    .split('\n')
    .filter((line) => !QUOTED.test(line) && !ATTRIBUTION.test(line.trim()))
    .join('\n')
}

/**
 * Cuts the signature and list footer: everything from the first line that is
 * "--" / "-- " (the usenet signature separator) or a rule of ten or more
 * underscores (mailing-list footers) to the end.
 */
export function stripSignature(text: string): string {
  const lines = text.split('\n')
  const at = lines.findIndex((line) => /^--\s?$/.test(line) || /^_{10,}\s*$/.test(line.trim()))
  return at === -1 ? text : lines.slice(0, at).join('\n')
}

/** Blank-line runs collapsed and the ends trimmed. */
const tidy = (text: string): string =>
  text
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()

/** The body without quotes, signature or footer; the body itself when nothing would be left. */
export function strippedBody(text: string): string {
  const out = tidy(stripSignature(stripQuotes(text)))
  return out.length === 0 ? text : out
}

/** Paragraphs: blocks separated by blank lines, empty ones dropped. */
export const paragraphs = (text: string): string[] =>
  text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)

const words = (text: string): string[] => text.split(/\s+/).filter((w) => w.length > 0)

/**
 * One view of `text` of at most about `maxWords` words (the tokenizer's
 * truncation then cuts at the batch's token length). Views shorter than three
 * words fall back to the stripped body's first words.
 */
export function makeView(text: string, kind: ViewKind, maxWords: number, random: () => number): string {
  if (kind === 'body') return text
  const stripped = strippedBody(text)
  const w = words(stripped)
  const n = Math.max(3, Math.round(maxWords))
  let out: string
  if (kind === 'stripped') {
    out = stripped
  } else if (kind === 'first-paragraphs') {
    const ps = paragraphs(stripped)
    out = ps.slice(0, 1 + Math.floor(random() * Math.min(3, ps.length))).join('\n\n')
  } else if (kind === 'window') {
    const start = w.length > n ? Math.floor(random() * (w.length - n + 1)) : 0
    out = w.slice(start, start + n).join(' ')
  } else {
    out = w.slice(0, n).join(' ')
  }
  return words(out).length < 3 ? w.slice(0, n).join(' ') || text : out
}

/** Kinds drawn for short batches, equally likely. */
const SHORT_KINDS: readonly ViewKind[] = ['stripped', 'first-paragraphs', 'window', 'head']

/**
 * The view kind and word budget for a batch of `tokens` tokens: at the longest
 * bucket half the bodies are kept whole (the corpus task), the rest stripped;
 * shorter buckets draw one of the short kinds, with a word budget between 30%
 * and 100% of what fits, so lengths vary within a batch too.
 */
export function drawView(tokens: number, longest: number, random: () => number): { kind: ViewKind; maxWords: number } {
  if (tokens >= longest) return { kind: random() < 0.5 ? 'body' : 'stripped', maxWords: tokens }
  const kind = SHORT_KINDS[Math.floor(random() * SHORT_KINDS.length)] ?? 'head'
  // about 0.75 words per token for both tokenizers on English mail
  return { kind, maxWords: tokens * 0.75 * (0.3 + 0.7 * random()) }
}

/** A fixed view of each text (seeded per index), at short lengths only: the validation-views set. */
export function fixedViews(
  texts: readonly string[],
  seed: number,
  buckets: readonly LengthBucket[] = LENGTH_BUCKETS,
): Array<{ text: string; tokens: number }> {
  const longest = Math.max(...buckets.map((b) => b.tokens))
  const short = buckets.filter((b) => b.tokens < longest)
  return texts.map((text, i) => {
    const random = mulberry32(seed * 7919 + i)
    const { tokens } = drawBucket(random, short)
    const { kind, maxWords } = drawView(tokens, longest, random)
    return { text: makeView(text, kind, maxWords, random), tokens }
  })
}
