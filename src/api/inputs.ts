/**
 * What classify and tokenize share: turning `inputs` into a list of
 * `EncodeInput`s within the configured limits, and the encode options a model
 * allows.
 */
import { type Limits } from '../core/config.ts'
import type { ModelVersion } from '../core/schema/manifest.ts'
import type { Input } from '../core/schema/request.ts'
import type { EncodeInput, EncodeOptions } from '../core/tokenizers/types.ts'
import { AppError } from '../core/errors.ts'

/** The inputs as a list, and whether the caller sent a list (which shapes the response). */
export function normalizeInputs(inputs: Input | Input[], limits: Limits): { items: EncodeInput[]; batch: boolean } {
  const batch = Array.isArray(inputs)
  const list = Array.isArray(inputs) ? inputs : [inputs]
  if (list.length > limits.maxBatch) {
    throw new AppError(
      'limit_exceeded',
      `The request holds ${list.length} inputs; MAX_BATCH is ${limits.maxBatch}. Split it into smaller requests.`,
      { extras: { limit: 'MAX_BATCH', max: limits.maxBatch } },
    )
  }
  const items = list.map((input) => (typeof input === 'string' ? { text: input } : input))
  items.forEach((item, i) => {
    const chars = item.text.length + (item.text_pair?.length ?? 0)
    if (chars > limits.maxInputChars) {
      throw new AppError('limit_exceeded', `Input ${i} has ${chars} characters; MAX_INPUT_CHARS is ${limits.maxInputChars}. Shorten it.`, {
        extras: { limit: 'MAX_INPUT_CHARS', max: limits.maxInputChars },
      })
    }
  })
  return { items, batch }
}

/** Encode options for a request: max_length defaults to the model's and may not exceed it or MAX_LENGTH. */
export function encodeOptions(
  parameters: { truncation?: boolean | undefined; max_length?: number | undefined } | undefined,
  version: ModelVersion,
  limits: Limits,
): EncodeOptions {
  const ceiling = Math.min(version.max_length, limits.maxLength)
  const maxLength = parameters?.max_length ?? ceiling
  if (maxLength > ceiling) {
    const which = ceiling === version.max_length ? "the model's max_length" : 'MAX_LENGTH'
    throw new AppError(
      'parameter_over_limit',
      `parameters.max_length is ${maxLength}, above ${which} (${ceiling}). Send at most ${ceiling}.`,
      { extras: { limit: which === 'MAX_LENGTH' ? 'MAX_LENGTH' : 'max_length', max: ceiling } },
    )
  }
  return { max_length: maxLength, truncation: parameters?.truncation ?? true }
}
