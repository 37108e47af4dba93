import { existsSync } from 'node:fs'
import { mkdtemp, rm, symlink, writeFile, copyFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateCheckpoint } from '../../../scripts/checkpoint/generate.ts'
import { convertCheckpoint } from '../../../scripts/convert/index.ts'
import { tokenizerFile } from '../../../scripts/paths.ts'
import { publish, readManifest, readManifestForUpdate, writeManifest } from '../../../scripts/publish/index.ts'
import { sha256Hex } from '../../../src/core/hash.ts'
import { recordFailure } from '../../../src/core/schema/transitions.ts'
import { type Stores, openLocalStores } from '../../../scripts/publish/stores.ts'
import { quantizeModel } from '../../../scripts/quantize/index.ts'
import { AppError } from '../../../src/core/errors.ts'
import type { ModelManifest } from '../../../src/core/schema/manifest.ts'

let root: string
let stores: Stores

/** A model beforeAll publishes from seed 11, which `publishedAs` copies for the tests that start from a published model. */
const BASE = 'base'

/** A tiny seeded ELECTRA checkpoint folder with the real ELECTRA tokenizer (linked, not copied). */
async function checkpoint(name: string, seed: number, labels = ['ham', 'spam']): Promise<string> {
  const dir = join(root, name)
  await generateCheckpoint({
    preset: 'electra-tiny',
    seed,
    outDir: dir,
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
  })
  await symlink(tokenizerFile('electra-small', 'tokenizer.json'), join(dir, 'tokenizer.json'))
  return dir
}

/** Stores whose `failOn` operation throws, as a storage outage in the middle of a publish would. */
function failing(inner: Stores, failOn: 'putKv' | 'manifest'): Stores {
  return {
    ...inner,
    // As if the tokenizer were new, so the publish has to write it.
    hasKv: async (key) => (failOn === 'putKv' ? false : inner.hasKv(key)),
    async putKv(key, bytes) {
      if (failOn === 'putKv') throw new Error('injected: KV unavailable')
      return inner.putKv(key, bytes)
    },
    async putObject(key, bytes, type, ifEtag) {
      if (failOn === 'manifest' && key.endsWith('manifest.json')) throw new Error('injected: R2 unavailable')
      return inner.putObject(key, bytes, type, ifEtag)
    },
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'edge-classify-publish-'))
  stores = await openLocalStores({ persistTo: join(root, 'state') })
  await publish(await checkpoint(BASE, 11), { id: BASE, stores, minAgreement: 0.5 })
}, 120_000)

/**
 * BASE's manifest under `id`, its blobs shared as two publishes of one
 * checkpoint share them: a published model that only the calling test touches.
 */
async function publishedAs(id: string): Promise<ModelManifest> {
  const manifest = { ...(await readManifest(stores, BASE)), id }
  await writeManifest(stores, manifest, null)
  return manifest
}

afterAll(async () => {
  await stores.close()
  await rm(root, { recursive: true, force: true })
})

describe('publish', () => {
  it('converts, quantizes, verifies and uploads a checkpoint, manifest last', async () => {
    const dir = await checkpoint('first', 11)
    const result = await publish(dir, { id: 'spam', stores, minAgreement: 0.5 })
    expect(result.created).toBe(true)
    const manifest = await readManifest(stores, 'spam')
    expect(manifest.active).toBe(result.version.version)
    const version = manifest.versions[0]
    expect(version).toMatchObject({ architecture: 'electra', precision: 'int8', id2label: { '0': 'ham', '1': 'spam' } })
    expect(version?.inputs).toEqual(['input_ids', 'attention_mask', 'token_type_ids'])
    // The stored blob is what the manifest says it is.
    const weights = await stores.getObject(version?.weights.key ?? '')
    expect(weights && (await sha256Hex(weights))).toBe(version?.weights.sha256)
    expect(await stores.hasKv(version?.tokenizer.key ?? '')).toBe(true)
    expect(version?.verification?.texts).toBeGreaterThan(10)
    // ORT's load-time fusions are already in the served graph.
    expect(version?.graph_optimization).toBe('extended')
    expect(version?.smoke.length).toBeGreaterThan(0)
    expect(version?.smoke.every((s) => ['ham', 'spam'].includes(s.label))).toBe(true)
  })

  it('is a no-op when the same model is published again', async () => {
    const before = await publishedAs('again')
    const dir = await checkpoint('again', 11)
    const result = await publish(dir, { id: 'again', stores, minAgreement: 0.5 })
    expect(result.created).toBe(false)
    expect(await readManifest(stores, 'again')).toEqual(before)
  })

  it('stages a version as pending without changing what is served', async () => {
    const before = await publishedAs('staged')
    const result = await publish(await checkpoint('staged', 12), { id: 'staged', stores, stage: true, minAgreement: 0.5 })
    const after = await readManifest(stores, 'staged')
    expect(after.active).toBe(before.active)
    expect(after.pending).toBe(result.version.version)
  })

  it('re-staging a failed pending version repairs its blobs and clears the failure', async () => {
    await publishedAs('restaged')
    await publish(await checkpoint('restaged-pending', 12), { id: 'restaged', stores, stage: true, minAgreement: 0.5 })
    const dir = await checkpoint('staged-again', 12)
    const { manifest: staged, etag } = await readManifestForUpdate(stores, 'restaged')
    const pending = staged.versions.find((v) => v.version === staged.pending)
    if (pending === undefined) throw new Error('staging left no pending version')
    // As the cron leaves it after failing on a blob that went missing.
    await writeManifest(stores, recordFailure(staged, pending.version, 'missing_blob: gone', '2026-11-27T00:00:00Z'), etag)
    await stores.deleteObject(pending.weights.key)

    const result = await publish(dir, { id: 'restaged', stores, stage: true, minAgreement: 0.5 })
    expect(result.version.version).toBe(pending.version)
    expect(await stores.hasObject(pending.weights.key)).toBe(true)
    const after = await readManifest(stores, 'restaged')
    expect(after.pending).toBe(pending.version)
    expect(after.failures).toEqual([])
    expect(after.active).toBe(staged.active)
  })

  it('publishes an ONNX export folder, and serves an already-quantized one as it is', async () => {
    const hf = await checkpoint('hf-for-onnx', 13)
    const exported = join(root, 'onnx-export')
    await mkdir(exported)
    const { onnx } = await convertCheckpoint(hf)
    await writeFile(join(exported, 'model.onnx'), onnx)
    await copyFile(join(hf, 'config.json'), join(exported, 'config.json'))
    await symlink(tokenizerFile('electra-small', 'tokenizer.json'), join(exported, 'tokenizer.json'))
    const fromOnnx = await publish(exported, { id: 'from-onnx', stores, minAgreement: 0.5 })
    expect(fromOnnx.version.precision).toBe('int8')
    expect(fromOnnx.verification).toBeDefined()

    await writeFile(join(exported, 'model.onnx'), quantizeModel(onnx).model)
    const prequantized = await publish(exported, { id: 'prequantized', stores })
    expect(prequantized.version.precision).toBe('int8')
    expect(prequantized.verification).toBeUndefined()
  })

  it('refuses an int8 model below the agreement threshold unless forced, writing nothing', async () => {
    const dir = await checkpoint('strict', 14)
    // No quantized model agrees with fp32 on more than every text.
    const refused = publish(dir, { id: 'strict', stores, minAgreement: 1.000001 })
    await expect(refused).rejects.toThrow(AppError)
    await expect(refused).rejects.toThrow(/--force/)
    expect((await readManifest(stores, 'strict')).versions).toEqual([])
    const forced = await publish(dir, { id: 'strict', stores, minAgreement: 1.000001, force: true })
    expect((await readManifest(stores, 'strict')).active).toBe(forced.version.version)
  })

  it('leaves the served version untouched when a publish dies half-way', async () => {
    const before = await publishedAs('half-way')
    for (const failOn of ['putKv', 'manifest'] as const) {
      // New weights and labels: a new version, so nothing is skipped as already published.
      const dir = await checkpoint(`broken-${failOn}`, 20, ['a', 'b'])
      await expect(publish(dir, { id: 'half-way', stores: failing(stores, failOn), minAgreement: 0.5 })).rejects.toThrow(/injected/)
      expect(await readManifest(stores, 'half-way')).toEqual(before)
    }
    const active = before.versions.find((v) => v.version === before.active)
    expect(active && (await stores.hasObject(active.weights.key))).toBe(true)
  })

  it('refuses to overwrite a manifest that changed since it was read', async () => {
    await publishedAs('conflict')
    const { manifest, etag } = await readManifestForUpdate(stores, 'conflict')
    const failure = { version: 'v-other', reason: 'written by another command', at: '2026-12-02T00:00:00Z', attempts: 1 }
    await writeManifest(stores, { ...manifest, failures: [...manifest.failures, failure] }, etag)
    await expect(writeManifest(stores, manifest, etag)).rejects.toMatchObject({ kind: 'conflict', model: 'conflict' })
    const now = await readManifestForUpdate(stores, 'conflict')
    expect(now.manifest.failures).toContainEqual(failure)
    await writeManifest(stores, manifest, now.etag)
  })

  it('places a model with --worker auto on the suite Worker with the most room', async () => {
    // Models that name no Worker count on the first; one is placed on the second; the third is empty.
    await writeManifest(stores, { ...(await readManifest(stores, BASE)), id: 'on-b', worker: 'auto-b' }, null)
    const suiteWorkers = ['auto-a', 'auto-b', 'auto-c']
    await publish(await checkpoint('auto', 11), { id: 'auto-placed', stores, minAgreement: 0.5, worker: 'auto', suiteWorkers })
    expect((await readManifest(stores, 'auto-placed')).worker).toBe('auto-c')
    const unlisted = publish(await checkpoint('auto-remote', 11), {
      id: 'auto-remote',
      stores: { ...stores, canList: false },
      minAgreement: 0.5,
      worker: 'auto',
      suiteWorkers,
    })
    await expect(unlisted).rejects.toMatchObject({ kind: 'usage', message: expect.stringMatching(/cannot list.*--worker auto-a/) })
  })

  it('says what is missing in a model folder', async () => {
    const empty = join(root, 'empty')
    await mkdir(empty)
    await expect(publish(empty, { id: 'x', stores })).rejects.toThrow(/no tokenizer\.json/)
    await symlink(tokenizerFile('electra-small', 'tokenizer.json'), join(empty, 'tokenizer.json'))
    await expect(publish(empty, { id: 'x', stores })).rejects.toThrow(/neither model\.safetensors .* nor model\.onnx/)
    await expect(publish(empty, { id: 'Bad Id', stores })).rejects.toThrow(/not valid/)
    expect(existsSync(join(empty, 'model.onnx'))).toBe(false)
  })
})
