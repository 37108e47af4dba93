/**
 * fp32 vs int8: run the fp32 reference under onnxruntime-node and the int8
 * model under onnxruntime-web (the engine that serves it: native int8 kernels
 * round differently, by up to a few hundredths of a logit on full-size
 * models) on the same encoded texts, and report argmax agreement and the
 * absolute logit differences. The pipeline refuses to publish an int8 model
 * whose agreement falls below a threshold, so these numbers gate what the
 * Worker serves.
 */
import type { Verification } from '../../src/core/schema/manifest.ts'
import type { ClassifierSession, Int64Input } from '../../src/core/inference/session.ts'
import type { EncodeInput, Encoding } from '../../src/core/tokenizers/types.ts'
import { type Tokenizer } from '../../src/core/tokenizers/tokenizer.ts'
import { openNodeSession } from '../ort/node.ts'
import { openWebSession } from '../ort/web.ts'

/** One text's logits under both models. */
export interface TextComparison {
  text: string
  text_pair?: string
  fp32: number[]
  int8: number[]
  max_abs_diff: number
  /** same argmax label (a one-output model's agreement is over pairs of texts: see summarize) */
  agree: boolean
}

export interface VerifyResult extends Verification {
  per_text: TextComparison[]
}

export interface VerifyOptions {
  fp32: Uint8Array
  int8: Uint8Array
  tokenizer: Tokenizer
  texts: readonly EncodeInput[]
  /** tokens, including special tokens; longer texts are truncated */
  max_length: number
}

/** Tokenizes, runs both models and compares. Each text runs alone (batch 1), as a Worker request does. */
export async function verifyModels(options: VerifyOptions): Promise<VerifyResult> {
  if (options.texts.length === 0) throw new Error('verify needs at least one text; pass a --texts file with one text per line.')
  const encodings = options.texts.map((input) => options.tokenizer.encode(input, { max_length: options.max_length, truncation: true }))
  const [fp32, int8] = await Promise.all([openNodeSession(options.fp32), openWebSession(options.int8)])
  try {
    return await compareSessions(fp32, int8, encodings, options.texts)
  } finally {
    await Promise.all([fp32.release(), int8.release()])
  }
}

/** The [1, seq] feeds of one encoding. */
export function feedsOf(e: Pick<Encoding, 'ids' | 'attention_mask' | 'token_type_ids'>): Record<string, Int64Input> {
  const row = (values: readonly number[]): Int64Input => ({ data: BigInt64Array.from(values, (v) => BigInt(v)), dims: [1, values.length] })
  return { input_ids: row(e.ids), attention_mask: row(e.attention_mask), token_type_ids: row(e.token_type_ids) }
}

/** Runs pre-tokenized encodings through two sessions and compares their logits. */
export async function compareSessions(
  fp32: ClassifierSession,
  int8: ClassifierSession,
  encodings: readonly Pick<Encoding, 'ids' | 'attention_mask' | 'token_type_ids'>[],
  inputs: readonly EncodeInput[] = [],
): Promise<VerifyResult> {
  const per_text: TextComparison[] = []
  for (const [i, e] of encodings.entries()) {
    const feeds = feedsOf(e)
    const a = Array.from((await fp32.run(feeds)).data)
    const b = Array.from((await int8.run(feeds)).data)
    const input = inputs[i]
    const row: TextComparison = {
      text: input?.text ?? `#${i}`,
      fp32: a,
      int8: b,
      max_abs_diff: Math.max(...a.map((v, j) => Math.abs(v - (b[j] ?? Number.NaN)))),
      agree: argmax(a) === argmax(b),
    }
    if (input?.text_pair !== undefined) row.text_pair = input.text_pair
    per_text.push(row)
  }
  return { ...summarize(per_text), per_text }
}

/** Index of the largest value (the first on ties). */
export function argmax(values: readonly number[]): number {
  let best = 0
  for (let i = 1; i < values.length; i++) if ((values[i] ?? -Infinity) > (values[best] ?? -Infinity)) best = i
  return best
}

/** Aggregates per-text comparisons into the manifest's Verification. */
export function summarize(rows: readonly TextComparison[]): Verification {
  const diffs = rows.flatMap((r) => r.fp32.map((v, j) => Math.abs(v - (r.int8[j] ?? Number.NaN))))
  const oneOutput = rows.length > 0 && rows.every((r) => r.fp32.length === 1)
  return {
    texts: rows.length,
    argmax_agreement: oneOutput ? orderAgreement(rows) : rows.length === 0 ? 0 : rows.filter((r) => r.agree).length / rows.length,
    max_abs_diff: diffs.length === 0 ? 0 : Math.max(...diffs),
    mean_abs_diff: diffs.length === 0 ? 0 : diffs.reduce((s, d) => s + d, 0) / diffs.length,
  }
}

/**
 * One logit has one argmax, so a one-output model (a cross-encoder's
 * relevance, ranking passages) agrees over texts: the share of text pairs
 * whose scores fp32 and int8 put in the same order (ties agree with ties).
 */
export function orderAgreement(rows: ReadonlyArray<{ fp32: number[]; int8: number[] }>): number {
  let pairs = 0
  let same = 0
  for (let i = 0; i < rows.length; i++) {
    for (let j = i + 1; j < rows.length; j++) {
      const a = Math.sign((rows[i]?.fp32[0] ?? 0) - (rows[j]?.fp32[0] ?? 0))
      const b = Math.sign((rows[i]?.int8[0] ?? 0) - (rows[j]?.int8[0] ?? 0))
      pairs++
      if (a === b) same++
    }
  }
  return pairs === 0 ? 1 : same / pairs
}
