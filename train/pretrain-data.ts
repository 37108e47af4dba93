import { readFileSync } from 'node:fs'
import type { Tokenizer } from '../src/core/tokenizers/index.ts'
import { tokenizerFile } from '../scripts/paths.ts'
import { MAX_CHARS } from './batches.ts'
import type { Batch } from './model.ts'

/**
 * Self-supervised examples from unlabelled bodies: every body is read whole
 * (not only its first 128 tokens) and cut into consecutive windows; a window
 * becomes an ALBERT sentence-order pair (its two halves, swapped half the
 * time) or an ELECTRA single segment, and is masked afresh each time it is
 * batched (BERT's 15%, 80/10/10 by default).
 */

/** The special token ids a pre-training input needs. */
export interface SpecialTokens {
  cls: number
  sep: number
  mask: number
  pad: number
  /** every id the tokenizer marks special (never masked, never a random replacement) */
  special: ReadonlySet<number>
  vocabSize: number
}

/** Reads [CLS]/[SEP]/[MASK] and the special set from a shared tokenizer.json's added_tokens. */
export function specialTokens(folder: string, tokenizer: Tokenizer): SpecialTokens {
  const json = JSON.parse(readFileSync(tokenizerFile(folder, 'tokenizer.json'), 'utf8')) as {
    added_tokens: Array<{ id: number; content: string; special: boolean }>
  }
  const id = (content: string): number => {
    const t = json.added_tokens.find((a) => a.content === content)
    if (t === undefined) throw new Error(`${folder}/tokenizer.json has no ${content} token; pre-training needs [CLS], [SEP] and [MASK]`)
    return t.id
  }
  return {
    cls: id('[CLS]'),
    sep: id('[SEP]'),
    mask: id('[MASK]'),
    pad: tokenizer.pad_id,
    special: new Set(json.added_tokens.filter((a) => a.special).map((a) => a.id)),
    vocabSize: tokenizer.vocab_size,
  }
}

/** The token ids of each text, whole (up to MAX_CHARS characters), without [CLS]/[SEP]. */
export function bodyTokens(tokenizer: Tokenizer, texts: readonly string[], tokens: Pick<SpecialTokens, 'cls' | 'sep'>): number[][] {
  return texts.map((text) => {
    const ids = tokenizer.encode({ text: text.slice(0, MAX_CHARS) }, { max_length: 1 << 20, truncation: true }).ids
    const start = ids[0] === tokens.cls ? 1 : 0
    const end = ids[ids.length - 1] === tokens.sep ? ids.length - 1 : ids.length
    return ids.slice(start, end)
  })
}

/** Consecutive non-overlapping windows of at most `size` tokens over each body (windows under `minTokens` dropped). */
export function windows(bodies: readonly number[][], size: number, minTokens = 8): number[][] {
  const out: number[][] = []
  for (const body of bodies) {
    for (let at = 0; at < body.length; at += size) {
      const w = body.slice(at, at + size)
      if (w.length >= minTokens) out.push(w)
    }
  }
  return out
}

/** One model input before padding: ids, token types, and the task's labels. */
export interface PretrainExample {
  ids: number[]
  types: number[]
  /** positions that were selected for prediction, ascending */
  positions: number[]
  /** the original ids at `positions` */
  labels: number[]
  /** sentence order: 0 in order, 1 swapped (ALBERT); 0 for single segments */
  order: 0 | 1
}

/** How selected tokens are replaced: BERT 80% [MASK], 10% random, 10% kept; ELECTRA 85% [MASK], 15% kept. */
export interface MaskPolicy {
  rate: number
  mask: number
  random: number
}
export const BERT_MASKING: MaskPolicy = { rate: 0.15, mask: 0.8, random: 0.1 }
export const ELECTRA_MASKING: MaskPolicy = { rate: 0.15, mask: 0.85, random: 0 }

/**
 * Selects round(rate × non-special tokens) positions (at least one) and
 * replaces them by the policy. Random replacements are drawn from the
 * non-special vocabulary.
 */
export function maskTokens(
  ids: readonly number[],
  tokens: SpecialTokens,
  policy: MaskPolicy,
  random: () => number,
): { ids: number[]; positions: number[]; labels: number[] } {
  const candidates: number[] = []
  ids.forEach((id, i) => {
    if (!tokens.special.has(id)) candidates.push(i)
  })
  const n = Math.min(candidates.length, Math.max(1, Math.round(policy.rate * candidates.length)))
  // Partial Fisher-Yates: the first n of a random permutation.
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (candidates.length - i))
    const a = candidates[i] as number
    candidates[i] = candidates[j] as number
    candidates[j] = a
  }
  const positions = candidates.slice(0, n).sort((a, b) => a - b)
  const out = [...ids]
  const labels = positions.map((pos) => ids[pos] as number)
  for (const pos of positions) {
    const r = random()
    if (r < policy.mask) out[pos] = tokens.mask
    else if (r < policy.mask + policy.random) {
      let id = tokens.mask
      while (tokens.special.has(id)) id = Math.floor(random() * tokens.vocabSize)
      out[pos] = id
    }
  }
  return { ids: out, positions, labels }
}

/**
 * ALBERT's input for one window: its two halves A (first) and B as
 * `[CLS] A [SEP] B [SEP]`, or `[CLS] B [SEP] A [SEP]` with order 1 when
 * `swap`; token types 0 up to the first [SEP], 1 after.
 */
export function sopPair(window: readonly number[], swap: boolean, tokens: SpecialTokens): { ids: number[]; types: number[]; order: 0 | 1 } {
  const half = Math.ceil(window.length / 2)
  const a = window.slice(0, half)
  const b = window.slice(half)
  const [first, second] = swap ? [b, a] : [a, b]
  const ids = [tokens.cls, ...first, tokens.sep, ...second, tokens.sep]
  const types = ids.map((_, i) => (i < first.length + 2 ? 0 : 1))
  return { ids, types, order: swap ? 1 : 0 }
}

/** ELECTRA's input for one window: `[CLS] window [SEP]`, token types 0. */
export function singleSegment(window: readonly number[], tokens: SpecialTokens): { ids: number[]; types: number[]; order: 0 } {
  const ids = [tokens.cls, ...window, tokens.sep]
  return { ids, types: ids.map(() => 0), order: 0 }
}

/** Builds one masked example from a window: 'mlm-sop' (pair, 50% swapped, BERT masking) or 'rtd' (single, ELECTRA masking). */
export function pretrainExample(
  window: readonly number[],
  task: 'mlm-sop' | 'rtd',
  tokens: SpecialTokens,
  random: () => number,
): PretrainExample {
  const input = task === 'mlm-sop' ? sopPair(window, random() < 0.5, tokens) : singleSegment(window, tokens)
  const masked = maskTokens(input.ids, tokens, task === 'mlm-sop' ? BERT_MASKING : ELECTRA_MASKING, random)
  return { ids: masked.ids, types: input.types, positions: masked.positions, labels: masked.labels, order: input.order }
}

/** A padded pre-training batch: positions are flat indices into [B*S]. */
export interface PretrainBatch extends Batch {
  types: Int32Array
  positions: Int32Array
  labels: Int32Array
  order: Int32Array
  /** the unmasked ids [B*S] (ELECTRA's discriminator labels compare against them) */
  original: Int32Array
}

/** Right-pads examples to the longest one (pad id, mask 0, type 0). */
export function makePretrainBatch(items: readonly PretrainExample[], padId: number): PretrainBatch {
  const seq = Math.max(1, ...items.map((e) => e.ids.length))
  const ids = new Int32Array(items.length * seq).fill(padId)
  const mask = new Int32Array(items.length * seq)
  const types = new Int32Array(items.length * seq)
  const positions: number[] = []
  const labels: number[] = []
  items.forEach((e, b) => {
    ids.set(e.ids, b * seq)
    types.set(e.types, b * seq)
    mask.fill(1, b * seq, b * seq + e.ids.length)
    e.positions.forEach((pos, k) => {
      positions.push(b * seq + pos)
      labels.push(e.labels[k] as number)
    })
  })
  const original = ids.slice()
  positions.forEach((flat, k) => {
    original[flat] = labels[k] as number
  })
  return {
    ids,
    mask,
    types,
    batch: items.length,
    seq,
    positions: Int32Array.from(positions),
    labels: Int32Array.from(labels),
    order: Int32Array.from(items, (e) => e.order),
    original,
  }
}
