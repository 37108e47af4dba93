/**
 * Reads compiled tokenizers from the KV namespace. The only module touching
 * the KV binding. Keys carry the content hash, so a cached value can never be
 * stale and a long edge `cacheTtl` is safe.
 */
import type { BlobRef } from '../core/schema/manifest.ts'
import { checkBlob } from '../core/hash.ts'
import { AppError } from '../core/errors.ts'

/** Seconds an edge location may cache a tokenizer; content-addressed, so never stale. */
export const TOKENIZER_CACHE_TTL = 3600

/** The compiled tokenizer bytes of a version, after checking their size and sha256. */
export async function readTokenizer(kv: KVNamespace, modelId: string, ref: BlobRef): Promise<Uint8Array> {
  let value: ArrayBuffer | null
  try {
    value = await kv.get(ref.key, { type: 'arrayBuffer', cacheTtl: TOKENIZER_CACHE_TTL })
  } catch (cause) {
    throw new AppError(
      'storage_unavailable',
      `KV could not be read for the tokenizer of model "${modelId}" (${ref.key}): ${String(cause)}. Retry later.`,
      { model: modelId, cause },
    )
  }
  if (value === null) {
    throw new AppError('missing_blob', `The tokenizer of model "${modelId}" (${ref.key}) is missing from KV. Re-publish the model.`, {
      model: modelId,
    })
  }
  const bytes = new Uint8Array(value)
  await checkBlob(modelId, 'tokenizer', bytes, ref)
  return bytes
}
