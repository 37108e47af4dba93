/**
 * The one sha256 of the project (Web Crypto, so the Worker and the Node tools
 * share it): content addresses of weights and tokenizers, their check on
 * read, and the pipeline's cache keys.
 */
import { AppError } from './errors.ts'
import type { BlobRef } from './schema/manifest.ts'

/** Lowercase hex sha256 of bytes, or of the UTF-8 of strings, taken in order as one message. */
export async function sha256Hex(...parts: Array<Uint8Array | string>): Promise<string> {
  const encoder = new TextEncoder()
  const chunks = parts.map((p) => (typeof p === 'string' ? encoder.encode(p) : p))
  const message = chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : concat(chunks)
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', message))
  let hex = ''
  for (const b of digest) hex += b.toString(16).padStart(2, '0')
  return hex
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}

/** Refuses bytes whose size or sha256 differ from the reference the manifest holds. */
export async function checkBlob(modelId: string, what: string, bytes: Uint8Array, expected: BlobRef): Promise<void> {
  if (bytes.byteLength !== expected.size) {
    throw new AppError(
      'corrupt',
      `The ${what} of model "${modelId}" at ${expected.key} is ${bytes.byteLength} bytes, but the manifest says ${expected.size}. Re-publish the model.`,
      { model: modelId },
    )
  }
  const actual = await sha256Hex(bytes)
  if (actual !== expected.sha256) {
    throw new AppError(
      'corrupt',
      `The ${what} of model "${modelId}" at ${expected.key} has sha256 ${actual}, but the manifest says ${expected.sha256}. Re-publish the model; it will not be served from these bytes.`,
      { model: modelId },
    )
  }
}
