/**
 * Reads from the R2 bucket that holds the model manifests and the
 * content-addressed ONNX weights. The only module touching the R2 binding.
 * The Worker writes only manifests, and only conditionally (`writeManifest`).
 */
import { AppError } from '../core/errors.ts'
import { checkBlob } from '../core/hash.ts'
import { MANIFEST_PREFIX, manifestKey } from '../core/schema/keys.ts'
import { decodeManifest, encodeManifest } from '../core/schema/manifest.ts'
import type { BlobRef, ModelManifest } from '../core/schema/manifest.ts'

async function get(bucket: R2Bucket, modelId: string, key: string): Promise<R2ObjectBody | null> {
  try {
    return await bucket.get(key)
  } catch (cause) {
    throw new AppError('storage_unavailable', `R2 could not be read for model "${modelId}" (${key}): ${String(cause)}. Retry later.`, {
      model: modelId,
      cause,
    })
  }
}

/** The manifest of one model, validated. R2 reads are strongly consistent, so this sees the latest publish. */
export async function readManifest(bucket: R2Bucket, modelId: string): Promise<ModelManifest> {
  return (await readManifestForUpdate(bucket, modelId)).manifest
}

/** A manifest together with the R2 etag it was read at, for a conditional write back. */
export interface VersionedManifest {
  manifest: ModelManifest
  etag: string
}

/** Like `readManifest`, plus the etag `writeManifest` needs to refuse overwriting a newer manifest. */
export async function readManifestForUpdate(bucket: R2Bucket, modelId: string): Promise<VersionedManifest> {
  const object = await get(bucket, modelId, manifestKey(modelId))
  if (object === null) {
    throw new AppError('not_found', `No model "${modelId}" is published. GET /v1/models lists the served models.`, { model: modelId })
  }
  return { manifest: decodeManifest(await readBody(object, modelId, 'manifest'), modelId), etag: object.etag }
}

/**
 * Writes a manifest only if the stored one still has `etag` (an R2 conditional
 * put), so a `publish` or `rollback` that landed since the read is never
 * overwritten. Returns false when it had changed and nothing was written.
 */
export async function writeManifest(bucket: R2Bucket, manifest: ModelManifest, etag: string): Promise<boolean> {
  try {
    const written = await bucket.put(manifestKey(manifest.id), encodeManifest(manifest), {
      onlyIf: { etagMatches: etag },
      httpMetadata: { contentType: 'application/json' },
    })
    return written !== null
  } catch (cause) {
    throw new AppError(
      'storage_unavailable',
      `R2 could not write the manifest of model "${manifest.id}": ${String(cause)}. The next scheduled run tries again.`,
      { model: manifest.id, cause },
    )
  }
}

/** Ids of every model that has a manifest, sorted. */
export async function listModelIds(bucket: R2Bucket): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | undefined
  try {
    do {
      const page = await bucket.list({ prefix: MANIFEST_PREFIX, delimiter: '/', ...(cursor ? { cursor } : {}) })
      for (const prefix of page.delimitedPrefixes) ids.push(prefix.slice(MANIFEST_PREFIX.length, -1))
      cursor = page.truncated ? page.cursor : undefined
    } while (cursor !== undefined)
  } catch (cause) {
    throw new AppError('storage_unavailable', `R2 could not list the models: ${String(cause)}. Retry later.`, { model: '*', cause })
  }
  return ids.sort()
}

/** The ONNX weights of a version, after checking their size and sha256 against the manifest. */
export async function readWeights(bucket: R2Bucket, modelId: string, ref: BlobRef): Promise<Uint8Array> {
  const object = await get(bucket, modelId, ref.key)
  if (object === null) {
    throw new AppError('missing_blob', `The weights of model "${modelId}" (${ref.key}) are missing from R2. Re-publish the model.`, {
      model: modelId,
    })
  }
  const bytes = await readBody(object, modelId, 'weights')
  await checkBlob(modelId, 'weights', bytes, ref)
  return bytes
}

/** An object's body; a read that breaks off is an outage to retry, not a corrupt object. */
async function readBody(object: R2ObjectBody, modelId: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await object.arrayBuffer())
  } catch (cause) {
    throw new AppError('storage_unavailable', `R2 failed while sending the ${what} of model "${modelId}": ${String(cause)}. Retry later.`, {
      model: modelId,
      cause,
    })
  }
}
