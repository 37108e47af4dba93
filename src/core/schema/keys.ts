/**
 * Where everything lives in storage: the one home of the R2 and KV key layout.
 * Manifests are the only mutable objects; weights and tokenizers are keyed by
 * their content hash, so a key never changes meaning.
 */

/** R2 prefix under which every model's manifest lives. */
export const MANIFEST_PREFIX = 'models/'

/** R2 key of a model's manifest. */
export const manifestKey = (id: string): string => `${MANIFEST_PREFIX}${id}/manifest.json`

/** The model id of an R2 key that is a manifest's, else undefined. */
export function modelIdOfKey(key: string): string | undefined {
  if (!key.startsWith(MANIFEST_PREFIX) || !key.endsWith('/manifest.json')) return undefined
  const id = key.slice(MANIFEST_PREFIX.length, -'/manifest.json'.length)
  return id.length > 0 && !id.includes('/') ? id : undefined
}

/** R2 key of an ONNX weights blob. */
export const weightsKey = (sha256: string): string => `blobs/sha256/${sha256}.onnx`

/** KV key of a compiled tokenizer. */
export const tokenizerKey = (sha256: string): string => `tokenizer/sha256/${sha256}`
