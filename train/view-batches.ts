import type { Tokenizer } from '../src/core/tokenizers/index.ts'
import { mulberry32 } from '../scripts/checkpoint/random.ts'
import { coveredText, type Encoded, MAX_CHARS, type Viewed } from './batches.ts'
import type { Example } from './data.ts'
import { type Label, syntheticMessage } from './synthetic.ts'
import { drawBucket, drawView, fixedViews, LENGTH_BUCKETS, type LengthBucket, makeView } from './views.ts'

/**
 * Tokenized views for the training loop: a batch of training indices becomes
 * views at one drawn length (train/views.ts), and the validation split
 * gets one fixed short view per body.
 */

/** The seed of the validation views, fixed so every run and the adoption rule score the same set. */
export const VALIDATION_VIEWS_SEED = 20

const bucketsUpTo = (maxLength: number): LengthBucket[] => {
  const kept = LENGTH_BUCKETS.filter((b) => b.tokens <= maxLength)
  return kept.length > 0 ? kept : [{ tokens: maxLength, weight: 1 }]
}

/** The first seed of the generated validation messages (one seed per message; no run's seed is near it). */
export const GENERATED_VALIDATION_SEED = 7_777_777

/**
 * Tries before a row keeps its corpus view because no generated message fits
 * it: enough that a 32-token row takes generated spam (longer, on the whole)
 * nearly as often as generated ham, so length does not hint at the label.
 */
const FIT_TRIES = 16

/** Rows shorter than this never get a generated message: hardly any spam fits in them. */
export const GENERATED_MIN_TOKENS = 32

/**
 * A generated message of `label` whose whole encoding fits `tokens`, or
 * undefined after a few draws: a truncated message could lose the sentences
 * that carry its label (a notice's event is shared by both labels).
 * `longShare` goes to `syntheticMessage`, whose default it keeps when unset.
 */
export function fittingMessage(
  tokenizer: Tokenizer,
  label: Label,
  tokens: number,
  random: () => number,
  longShare?: number,
): { text: string; ids: number[] } | undefined {
  for (let tries = 0; tries < FIT_TRIES; tries++) {
    const text = syntheticMessage(label, random, longShare)
    const { ids } = tokenizer.encode({ text }, { max_length: MAX_CHARS, truncation: true })
    if (ids.length <= tokens) return { text, ids }
  }
  return undefined
}

/** How a run's training batches are made beside the corpus views. */
export interface ViewMix {
  /**
   * Share of the rows of short batches replaced by a generated message of the
   * same label (train/synthetic.ts); the longest batches stay whole corpus
   * bodies, the task the test split measures.
   */
  synthetic?: number
  /** Weight of the longest bucket, in place of LENGTH_BUCKETS' (more whole bodies per run). */
  longWeight?: number
  /**
   * Share of generated whole templates that are long notices, in place of
   * the generator's; the generated validation set keeps the generator's.
   */
  longShare?: number
}

/** `(indices, step) => views`: seeded by the run's seed and the step, so a resumed run repeats its batches. */
export function viewBatcher(
  tokenizer: Tokenizer,
  train: readonly Example[],
  maxLength: number,
  seed: number,
  mix: ViewMix = {},
): (indices: readonly number[], step: number) => Viewed[] {
  const kept = bucketsUpTo(maxLength)
  const longest = Math.max(...kept.map((b) => b.tokens))
  const { longWeight, synthetic = 0, longShare } = mix
  const buckets = longWeight === undefined ? kept : kept.map((b) => (b.tokens === longest ? { ...b, weight: longWeight } : b))
  return (indices, step) => {
    const random = mulberry32(seed * 1_000_003 + step)
    const { tokens } = drawBucket(random, buckets)
    return indices.map((i) => {
      const e = train[i]
      if (e === undefined) throw new Error(`viewBatcher: no training example ${i}`)
      // drawn only when mixing, so a run without it repeats the batches of earlier runs
      const generated =
        synthetic > 0 && tokens >= GENERATED_MIN_TOKENS && tokens < longest && random() < synthetic
          ? fittingMessage(tokenizer, e.label, tokens, random, longShare)
          : undefined
      const { kind, maxWords } = drawView(tokens, longest, random)
      // a generated message fits its row whole
      if (generated !== undefined) return { ids: generated.ids, label: e.label, text: generated.text }
      const text = makeView(e.text.slice(0, MAX_CHARS), kind, maxWords, random)
      const { ids, offsets } = tokenizer.encode({ text }, { max_length: tokens, truncation: true })
      return { ids, label: e.label, text: coveredText(text, offsets) }
    })
  }
}

/** One fixed short view of each validation body, tokenized at its drawn length. */
export function validationViews(tokenizer: Tokenizer, validation: readonly Example[], maxLength: number): Encoded[] {
  const views = fixedViews(
    validation.map((e) => e.text.slice(0, MAX_CHARS)),
    VALIDATION_VIEWS_SEED,
    bucketsUpTo(maxLength),
  )
  return views.map((v, i) => ({
    ids: tokenizer.encode({ text: v.text }, { max_length: v.tokens, truncation: true }).ids,
    label: validation[i]?.label ?? 0,
  }))
}

/**
 * Generated messages of both labels in turn, from a fixed seed, cut at
 * `maxLength` like the validation bodies: scored beside the validation split
 * in runs that mix generated messages in, so that selection also sees whether
 * the model learned them.
 */
export function generatedValidation(tokenizer: Tokenizer, maxLength: number, n = 400): Encoded[] {
  return Array.from({ length: n }, (_, i) => {
    const label = (i % 2) as Label
    const text = syntheticMessage(label, mulberry32(GENERATED_VALIDATION_SEED + i))
    return { ids: tokenizer.encode({ text }, { max_length: maxLength, truncation: true }).ids, label }
  })
}
