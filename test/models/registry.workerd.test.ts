/**
 * src/models/registry.ts under the Worker, with real storage and ORT: one load
 * shared by concurrent first requests, a model with no active version, and
 * session creation failing (issue #7 item 3): weights whose size and sha256
 * match the manifest but that onnxruntime-web refuses. The publish pipeline
 * would never store such a blob, so these tests write it straight to R2 with
 * a matching manifest. Each answers a 503 problem document naming the model
 * only, the other models keep serving (and still load cold afterwards), a warm
 * model whose new version fails keeps its old one, and the model serves again
 * once a good version is published.
 *
 * The file's `beforeAll` makes a broken model the first session this isolate
 * creates, so that a failed first creation must not break ORT's Wasm start
 * holds whichever test runs first. Every request goes through one FaultyEnv.
 */
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { manifestKey, weightsKey } from '../../src/core/schema/keys.ts'
import type { ModelManifest, ModelVersion } from '../../src/core/schema/manifest.ts'
import { sha256Hex } from '../../src/core/hash.ts'
import { ALBERT, ELECTRA, ELECTRA_V2 } from '../support/fixture-models.ts'
import { fixture } from '../support/fixtures.ts'
import { ok, problem, untilServed } from '../support/http.ts'
import { electraV2, seedManifest, seedModels } from '../support/seed.ts'
import { faultyEnv } from '../support/faulty-env.ts'
import { firstVersion } from '../support/model-version.ts'

const w = faultyEnv()
const api = w.api()
let electra: ModelManifest
/** The answers to four concurrent first requests for `electra-not-onnx`, this isolate's first session creation. */
let firstCreation: Response[]

const first = firstVersion

const classify = (id: string, inputs = 'Win a FREE cruise now') => api.v1.models[':id'].classify.$post({ param: { id }, json: { inputs } })

/** Stores `bytes` content-addressed, as publish would, and returns a version of ELECTRA that uses them. */
async function versionWithWeights(version: string, bytes: Uint8Array): Promise<ModelVersion> {
  const sha256 = await sha256Hex(bytes)
  const key = weightsKey(sha256)
  await env.MODELS.put(key, bytes)
  return { ...structuredClone(first(electra)), version, weights: { key, sha256, size: bytes.byteLength } }
}

/** Writes a manifest for `id` whose active version is the first of `versions`. */
async function publishManifest(id: string, versions: ModelVersion[]): Promise<void> {
  const m: ModelManifest = { id, active: versions[0]?.version ?? null, pending: null, versions, failures: [] }
  await env.MODELS.put(manifestKey(id), JSON.stringify(m))
}

const status = async (id: string) => (await ok(await api.v1.models[':id'].$get({ param: { id } }))).json()

beforeAll(async () => {
  const manifests = await seedModels()
  const found = manifests.find((m) => m.id === ELECTRA.id)
  if (!found) throw new Error('electra fixture missing')
  electra = found
  const garbage = new TextEncoder().encode('these bytes passed the sha256 check but are not an ONNX model '.repeat(64))
  await publishManifest('electra-not-onnx', [await versionWithWeights('broken', garbage)])
  firstCreation = await Promise.all(
    Array.from({ length: 4 }, () => w.post('/v1/models/electra-not-onnx/classify', { inputs: 'Win a FREE cruise now' })),
  )
})

describe('loading', () => {
  it('shares one load between concurrent first requests', async () => {
    await publishManifest('electra-concurrent', [first(electra)])
    const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => classify('electra-concurrent', `request ${i}`)))
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200])
    expect(await status('electra-concurrent')).toMatchObject({ loaded: true, loads: 1 })
  })

  it('answers a model with no active version with 503 naming the pending one', async () => {
    await env.MODELS.put(
      manifestKey('electra-pending'),
      JSON.stringify({ ...electra, id: 'electra-pending', active: null, pending: electra.active }),
    )
    const p = await problem(await classify('electra-pending'), 503)
    expect(p.detail).toContain('pending')
  })
})

describe('session creation failing', () => {
  it('bytes that are not ONNX: 503 for that model (concurrent requests too), others load and serve, a good publish recovers it', async () => {
    for (const res of firstCreation) {
      const p = await problem(res, 503)
      expect(p).toMatchObject({ model: 'electra-not-onnx' })
      expect(p.type).toContain('model_unavailable')
      expect(p.detail).toContain('onnxruntime-web could not create a session')
    }
    expect(await status('electra-not-onnx')).toMatchObject({ loaded: false, last_failure: { type: 'ort_error', version: 'broken' } })

    // The failed creation was this isolate's first: ORT must still start for everyone else.
    for (const id of [ELECTRA.id, ALBERT.id]) expect((await classify(id)).status, id).toBe(200)

    // Re-publishing a good version is the fix; the next request loads it.
    await publishManifest('electra-not-onnx', [{ ...first(electra), version: 'fixed' }])
    const res = await classify('electra-not-onnx')
    expect(res.status).toBe(200)
    expect(res.headers.get('X-Model-Version')).toBe('fixed')
  })

  it('a truncated ONNX model: 503 for that model, and a cold model loaded afterwards still serves', async () => {
    const real = await fixture(`${first(electra).weights.sha256}.onnx`)
    await publishManifest('electra-truncated', [await versionWithWeights('truncated', real.slice(0, Math.floor(real.length / 2)))])
    const p = await problem(await classify('electra-truncated'), 503)
    expect(p).toMatchObject({ model: 'electra-truncated' })
    expect(p.type).toContain('model_unavailable')

    await publishManifest('electra-after-failure', [first(electra)])
    expect((await classify('electra-after-failure')).status).toBe(200)
    expect((await classify(ELECTRA.id)).status).toBe(200)
  })

  it('a warm model whose newly rolled-out version fails keeps serving its old version, then swaps to a good one', async () => {
    // The ELECTRA fixture under an id of its own, so no other test's manifest edits reach it.
    const id = 'electra-rollout'
    const v1 = first(electra)
    await publishManifest(id, [v1])
    expect((await classify(id)).headers.get('X-Model-Version')).toBe(ELECTRA.version)
    const garbage = new TextEncoder().encode('not a model either '.repeat(32))
    await publishManifest(id, [await versionWithWeights('broken-v2', garbage), v1])

    // MANIFEST_TTL_SECONDS is 0 in the tests: each request re-checks the manifest in the background.
    for (let i = 0; i < 3; i++) {
      const res = await classify(id)
      expect(res.status).toBe(200)
      expect(res.headers.get('X-Model-Version')).toBe(ELECTRA.version)
    }
    // (`version` in GET /v1/models/{id} is the manifest's active one; X-Model-Version is what served.)
    expect(await status(id)).toMatchObject({ loaded: true, last_failure: { type: 'ort_error', version: 'broken-v2' } })

    const v2 = await electraV2()
    await seedManifest({ ...electra, id, active: v2.version, versions: [v2, ...electra.versions] })
    expect(await untilServed(ELECTRA_V2.version, 10, () => classify(id))).toBe(ELECTRA_V2.version)
  })
})
