/**
 * src/storage/r2.ts under the Worker: bad data in R2 (weights whose sha256
 * differs, missing blobs, malformed manifests) and R2 failing while the Worker
 * serves (issue #7 item 3): `get` erroring, an object body failing half way, a
 * blob deleted between the manifest read and the weights read, listing down.
 * Each answers a 503 problem document naming the affected model only, the
 * other models keep serving, and the model serves again once the fault is gone.
 * KV's faults: test/storage/kv.workerd.test.ts.
 *
 * Every request goes through one FaultyEnv (test/support/faulty-env.ts), so
 * the isolate's registry sees the faults. Each test warms the models it
 * counts on being warm, and uses its own model ids.
 */
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { manifestKey } from '../../src/core/schema/keys.ts'
import type { ModelManifest, ModelVersion } from '../../src/core/schema/manifest.ts'
import { readWeights } from '../../src/storage/r2.ts'
import { ALBERT, ELECTRA } from '../support/fixture-models.ts'
import { fixture } from '../support/fixtures.ts'
import { ok, problem } from '../support/http.ts'
import { seedModels } from '../support/seed.ts'
import { faultyEnv } from '../support/faulty-env.ts'
import { firstVersion } from '../support/model-version.ts'

const w = faultyEnv()
const api = w.api()
let electra: ModelManifest

const first = firstVersion

const classify = (id: string) => api.v1.models[':id'].classify.$post({ param: { id }, json: { inputs: 'Win a FREE cruise now' } })
const detail = async (id: string) => (await ok(await api.v1.models[':id'].$get({ param: { id } }))).json()

/** Each model answers 200 (and is warm afterwards). */
async function serve(...ids: string[]): Promise<void> {
  for (const id of ids) expect((await classify(id)).status, `${id} serves`).toBe(200)
}

/** A copy of the ELECTRA manifest under another id (a cold model for this isolate), its first version edited by `edit`. */
async function electraCopy(id: string, edit: (v: ModelVersion) => void = () => {}): Promise<ModelManifest> {
  const m = structuredClone(electra)
  m.id = id
  edit(first(m))
  await env.MODELS.put(manifestKey(id), JSON.stringify(m))
  return m
}

beforeAll(async () => {
  const manifests = await seedModels()
  const found = manifests.find((m) => m.id === ELECTRA.id)
  if (!found) throw new Error('electra fixture missing')
  electra = found
})

describe('bad data in R2', () => {
  it('refuses weights whose sha256 differs from the manifest, naming the model, and keeps other models serving', async () => {
    const v = first(electra)
    const bytes = await fixture(`${v.weights.sha256}.onnx`)
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff
    await env.MODELS.put('blobs/sha256/tampered.onnx', bytes)
    await electraCopy('electra-tampered', (copy) => {
      copy.weights.key = 'blobs/sha256/tampered.onnx'
    })
    await expect(readWeights(env.MODELS, 'electra-tampered', { ...v.weights, key: 'blobs/sha256/tampered.onnx' })).rejects.toMatchObject({
      kind: 'corrupt',
      model: 'electra-tampered',
    })
    const p = await problem(await classify('electra-tampered'), 503)
    expect(p.model).toBe('electra-tampered')
    expect(p.detail).toContain('sha256')
    expect(await detail('electra-tampered')).toMatchObject({ loaded: false, last_failure: { type: 'corrupt' } })
    await serve(ELECTRA.id)
  })

  it('answers a missing weights blob with 503, and recovers once it is back', async () => {
    const v = first(electra)
    await electraCopy('electra-missing', (copy) => {
      copy.weights.key = 'blobs/sha256/not-yet-uploaded.onnx'
    })
    const p = await problem(await classify('electra-missing'), 503)
    expect(p.detail).toContain('missing')
    await env.MODELS.put('blobs/sha256/not-yet-uploaded.onnx', await fixture(`${v.weights.sha256}.onnx`))
    await serve('electra-missing')
  })

  it('answers a malformed manifest with 503 naming the field', async () => {
    await env.MODELS.put(manifestKey('electra-broken'), JSON.stringify({ id: 'electra-broken', active: 'x' }))
    const p = await problem(await classify('electra-broken'), 503)
    expect(p.detail).toContain('malformed')
    await env.MODELS.put(manifestKey('electra-notjson'), '{oops')
    await problem(await classify('electra-notjson'), 503)
  })
})

describe('R2 erroring in the middle of a request', () => {
  it('R2 erroring on the weights after the manifest was read: 503 for that model only, then it recovers', async () => {
    await serve(ELECTRA.id, ALBERT.id)
    await electraCopy('electra-r2-down')
    w.faults.r2Get.add(first(electra).weights.key)
    w.r2Reads.length = 0
    try {
      const p = await problem(await classify('electra-r2-down'), 503)
      // The manifest read succeeded; the weights read is what failed.
      expect(w.r2Reads).toEqual([manifestKey('electra-r2-down'), first(electra).weights.key])
      expect(p).toMatchObject({ model: 'electra-r2-down' })
      expect(p.type).toContain('storage_unavailable')
      expect(p.detail).toContain('R2')
      // Warm models need no R2 read for their weights, so the outage does not touch them.
      await serve(ELECTRA.id, ALBERT.id)
      expect(await detail('electra-r2-down')).toMatchObject({ loaded: false, last_failure: { type: 'storage_unavailable' } })
    } finally {
      w.clear()
    }
    await serve('electra-r2-down')
  })

  it('the weights body failing half way through the read: a problem document, others serve, then it recovers', async () => {
    await serve(ELECTRA.id, ALBERT.id)
    await electraCopy('electra-r2-reset')
    w.faults.r2Body.add(first(electra).weights.key)
    try {
      const res = await classify('electra-r2-reset')
      expect(res.status).toBeGreaterThanOrEqual(500)
      expect(res.headers.get('Content-Type')).toBe('application/problem+json')
      await serve(ELECTRA.id, ALBERT.id)
    } finally {
      w.clear()
    }
    await serve('electra-r2-reset')
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
    try {
      const p = await problem(await classify('electra-manifest-reset'), 503)
      expect(p.model).toBe('electra-manifest-reset')
      // An outage to retry, not a corrupt manifest to re-publish.
      expect(p.type).toContain('storage_unavailable')
      expect(p.detail).toContain('Retry later')
      await serve(ELECTRA.id)
    } finally {
      w.clear()
    }
    await serve('electra-manifest-reset')
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
    try {
      const p = await problem(await classify('electra-vanishing'), 503)
      expect(p).toMatchObject({ model: 'electra-vanishing' })
      expect(p.detail).toContain('missing')
      await serve(ELECTRA.id, ALBERT.id)
    } finally {
      w.clear()
    }
    await env.MODELS.put(key, bytes)
    await serve('electra-vanishing')
  })

  it("R2 down for a warm model's manifest re-check: it keeps serving its loaded version; a cold model gets 503", async () => {
    await serve(ELECTRA.id)
    // MANIFEST_TTL_SECONDS is 0 in the tests, so every request re-checks the manifest in the background.
    w.faults.r2Get.add(manifestKey(ELECTRA.id))
    await electraCopy('electra-cold')
    w.faults.r2Get.add(manifestKey('electra-cold'))
    try {
      for (let i = 0; i < 3; i++) {
        const res = await classify(ELECTRA.id)
        expect(res.status).toBe(200)
        expect(res.headers.get('X-Model-Version')).toBe(ELECTRA.version)
      }
      const p = await problem(await classify('electra-cold'), 503)
      expect(p).toMatchObject({ model: 'electra-cold' })
      expect(p.type).toContain('storage_unavailable')
    } finally {
      w.clear()
    }
    await serve('electra-cold')
  })

  it('R2 listing down: /readyz is 503 naming the cause, classify still serves, /readyz recovers', async () => {
    w.faults.r2List = true
    try {
      const p = await problem(await api.readyz.$get(), 503)
      expect(p.type).toContain('not_ready')
      expect(p.detail).toContain('R2 could not list')
      await serve(ELECTRA.id, ALBERT.id)
    } finally {
      w.clear()
    }
    const ready = await api.readyz.$get()
    expect(ready.status).toBe(200)
    expect(await (await ok(ready)).json()).toMatchObject({ status: 'ready' })
  })
})
