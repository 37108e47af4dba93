/**
 * Storage failures, typed so the routes can map them to problem documents and
 * the registry can tell "fix the data" from "try again later".
 */

/**
 * not_found: no such model (no manifest). missing_blob: the manifest names
 * weights or a tokenizer that storage does not hold. corrupt: bytes or
 * manifest fail their checks. storage_unavailable: R2/KV errored; retry.
 */
export type StorageErrorType = 'not_found' | 'missing_blob' | 'corrupt' | 'storage_unavailable'

/** A read from R2 or KV failed for one model; `modelId` names which. */
export class StorageError extends Error {
  readonly type: StorageErrorType
  readonly modelId: string
  override name = 'StorageError'

  constructor(type: StorageErrorType, modelId: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.type = type
    this.modelId = modelId
  }
}

/** Lowercase hex sha256 of some bytes (Web Crypto; runs in workerd and Node). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  let hex = ''
  for (const b of digest) hex += b.toString(16).padStart(2, '0')
  return hex
}

/** Refuses bytes whose size or sha256 differ from the reference the manifest holds. */
export async function checkBlob(
  modelId: string,
  what: string,
  bytes: Uint8Array,
  expected: { key: string; sha256: string; size: number },
): Promise<void> {
  if (bytes.byteLength !== expected.size) {
    throw new StorageError(
      'corrupt',
      modelId,
      `The ${what} of model "${modelId}" at ${expected.key} is ${bytes.byteLength} bytes, but the manifest says ${expected.size}. Re-publish the model.`,
    )
  }
  const actual = await sha256Hex(bytes)
  if (actual !== expected.sha256) {
    throw new StorageError(
      'corrupt',
      modelId,
      `The ${what} of model "${modelId}" at ${expected.key} has sha256 ${actual}, but the manifest says ${expected.sha256}. Re-publish the model; it will not be served from these bytes.`,
    )
  }
}
