/**
 * Storage failing while the Worker serves (issue #7 item 3): R2 or KV
 * erroring, an object body failing half way, a blob deleted between the
 * manifest read and the weights read, R2 listing down. Each fault answers a
 * 503 problem document naming the affected model only, the other models keep
 * serving, and the model serves again once the fault is gone.
 * (test/storage/faults.workerd.test.ts covers bad data: sha mismatch, missing
 * blobs, malformed manifests.)
 *
 * The tests share one isolate and run in order: the KV test comes first,
 * before anything has parsed (and cached) the ALBERT tokenizer.
 */
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { manifestKey } from '../../src/core/schema/keys.ts'
import type { ModelManifest, ModelVersion } from '../../src/core/schema/manifest.ts'
import { ALBERT, ELECTRA } from '../support/fixture-models.ts'
import { fixture } from '../support/fixtures.ts'
import { problem } from '../support/http.ts'
import { seedModels } from '../support/seed.ts'
import { faultyEnv } from '../support/faulty-env.ts'

const w = faultyEnv()
let electra: ModelManifest
let albert: ModelManifest

const first = (m: ModelManifest): ModelVersion => {
  const v = m.versions[0]
  if (!v) throw new Error(`${m.id} has no version`)
  return v
}

const classify = (id: string) => w.post(`/v1/models/${id}/classify`, { inputs: 'Win a FREE cruise now' })

/** Both fixture models answer 200. */
async function othersServe(...ids: string[]): Promise<void> {
  for (const id of ids) expect((await classify(id)).status, `${id} keeps serving`).toBe(200)
}

/** A copy of the ELECTRA manifest under another id (a cold model for this isolate). */
async function electraCopy(id: string, edit: (v: ModelVersion) => void = () => {}): Promise<void> {
  const m = structuredClone(electra)
  m.id = id
  edit(first(m))
  await env.MODELS.put(manifestKey(id), JSON.stringify(m))
}

beforeAll(async () => {
  const manifests = await seedModels()
  const find = (id: string) => {
    const m = manifests.find((x) => x.id === id)
    if (!m) throw new Error(`fixture ${id} missing`)
    return m
  }
  electra = find(ELECTRA.id)
  albert = find(ALBERT.id)
})

describe('storage errors in the middle of a request', () => {
  it('KV erroring on a tokenizer: 503 storage_unavailable for that model, others serve, then it recovers', async () => {
    expect((await classify(ELECTRA.id)).status).toBe(200)
    w.faults.kvGet.add(first(albert).tokenizer.key)
    const p = await problem(await classify(ALBERT.id), 503)
    expect(p.type).toContain('storage_unavailable')
    expect(p.model).toBe(ALBERT.id)
    expect(p.detail).toContain('KV')
    expect(p.detail).toContain('Retry')
    await othersServe(ELECTRA.id)
    w.clear()
    expect((await classify(ALBERT.id)).status).toBe(200)
  })

  it('R2 erroring on the weights after the manifest was read: 503 for that model only, then it recovers', async () => {
    await electraCopy('electra-r2-down')
    w.faults.r2Get.add(first(electra).weights.key)
    w.r2Reads.length = 0
    const p = await problem(await classify('electra-r2-down'), 503)
    // The manifest read succeeded; the weights read is what failed.
    expect(w.r2Reads).toEqual([manifestKey('electra-r2-down'), first(electra).weights.key])
    expect(p).toMatchObject({ model: 'electra-r2-down' })
    expect(p.type).toContain('storage_unavailable')
    expect(p.detail).toContain('R2')
    // Warm models need no R2 read for their weights, so the outage does not touch them.
    await othersServe(ELECTRA.id, ALBERT.id)
    const status = (await (await w.call('/v1/models/electra-r2-down')).json()) as { loaded: boolean; last_failure: { type: string } }
    expect(status).toMatchObject({ loaded: false, last_failure: { type: 'storage_unavailable' } })
    w.clear()
    expect((await classify('electra-r2-down')).status).toBe(200)
  })

  it('the weights body failing half way through the read: a problem document, others serve, then it recovers', async () => {
    await electraCopy('electra-r2-reset')
    w.faults.r2Body.add(first(electra).weights.key)
    const res = await classify('electra-r2-reset')
    expect(res.status).toBeGreaterThanOrEqual(500)
    expect(res.headers.get('Content-Type')).toBe('application/problem+json')
    await othersServe(ELECTRA.id, ALBERT.id)
    w.clear()
    expect((await classify('electra-r2-reset')).status).toBe(200)
  })

  it('the weights body failing half way through the read is a 503 storage_unavailable naming the model', async () => {
    await electraCopy('electra-r2-reset-2')
    w.faults.r2Body.add(first(electra).weights.key)
    try {
      const p = await problem(await classify('electra-r2-reset-2'), 503)
      expect(p).toMatchObject({ model: 'electra-r2-reset-2' })
      expect(p.type).toContain('storage_unavailable')
    } finally {
      w.clear()
    }
  })

  it('the manifest body failing half way through the read: 503 naming the model, then it recovers', async () => {
    await electraCopy('electra-manifest-reset')
    w.faults.r2Body.add(manifestKey('electra-manifest-reset'))
    const p = await problem(await classify('electra-manifest-reset'), 503)
    expect(p.model).toBe('electra-manifest-reset')
    // An outage to retry, not a corrupt manifest to re-publish.
    expect(p.type).toContain('storage_unavailable')
    expect(p.detail).toContain('Retry later')
    await othersServe(ELECTRA.id)
    w.clear()
    expect((await classify('electra-manifest-reset')).status).toBe(200)
  })

  it('the weights blob deleted between the manifest read and the weights read: 503 missing, then it recovers', async () => {
    const v = first(electra)
    const key = 'blobs/sha256/vanishing.onnx'
    const bytes = await fixture(`${v.weights.sha256}.onnx`)
    await env.MODELS.put(key, bytes)
    await electraCopy('electra-vanishing', (copy) => {
      copy.weights.key = key
    })
    w.faults.deleteAfterManifest.set(manifestKey('electra-vanishing'), key)
    const p = await problem(await classify('electra-vanishing'), 503)
    expect(p).toMatchObject({ model: 'electra-vanishing' })
    expect(p.detail).toContain('missing')
    await othersServe(ELECTRA.id, ALBERT.id)
    w.clear()
    await env.MODELS.put(key, bytes)
    expect((await classify('electra-vanishing')).status).toBe(200)
  })

  it('R2 down for a warm model\'s manifest re-check: it keeps serving its loaded version; a cold model gets 503', async () => {
    // MANIFEST_TTL_SECONDS is 0 in the tests, so every request re-checks the manifest in the background.
    w.faults.r2Get.add(manifestKey(ELECTRA.id))
    await electraCopy('electra-cold')
    w.faults.r2Get.add(manifestKey('electra-cold'))
    for (let i = 0; i < 3; i++) {
      const res = await classify(ELECTRA.id)
      expect(res.status).toBe(200)
      expect(res.headers.get('X-Model-Version')).toBe(ELECTRA.version)
    }
    const p = await problem(await classify('electra-cold'), 503)
    expect(p).toMatchObject({ model: 'electra-cold' })
    expect(p.type).toContain('storage_unavailable')
    w.clear()
    expect((await classify('electra-cold')).status).toBe(200)
  })

  it('R2 listing down: /readyz is 503 naming the cause, classify still serves, /readyz recovers', async () => {
    w.faults.r2List = true
    const p = await problem(await w.call('/readyz'), 503)
    expect(p.type).toContain('not_ready')
    expect(p.detail).toContain('R2 could not list')
    await othersServe(ELECTRA.id, ALBERT.id)
    w.clear()
    const ready = await w.call('/readyz')
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ status: 'ready' })
  })
})
