/**
 * Session creation failing (issue #7 item 3): weights whose size and sha256
 * match the manifest but that onnxruntime-web refuses. The publish pipeline
 * would never store such a blob, so these tests write it straight to R2 with
 * a matching manifest. Each answers a 503 problem document naming the model
 * only, the other models keep serving (and still load cold afterwards), a warm
 * model whose new version fails keeps its old one, and the model serves again
 * once a good version is published.
 *
 * Runs in order: the first test makes the broken model the first session this
 * isolate creates, so a failed first creation must not break ORT's Wasm start.
 */
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { manifestKey, weightsKey } from '../../src/core/schema/keys.ts'
import type { ModelManifest, ModelVersion } from '../../src/core/schema/manifest.ts'
import { sha256Hex } from '../../src/core/hash.ts'
import { ALBERT, ELECTRA, ELECTRA_V2 } from '../support/fixture-models.ts'
import { fixture } from '../support/fixtures.ts'
import { problem } from '../support/http.ts'
import { electraV2, seedManifest, seedModels } from '../support/seed.ts'
import { faultyEnv } from '../support/faulty-env.ts'

const w = faultyEnv()
let electra: ModelManifest

const first = (m: ModelManifest): ModelVersion => {
  const v = m.versions[0]
  if (!v) throw new Error(`${m.id} has no version`)
  return v
}

const classify = (id: string) => w.post(`/v1/models/${id}/classify`, { inputs: 'Win a FREE cruise now' })

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

interface Status {
  loaded: boolean
  version: string | null
  last_failure: { type: string; version: string | null; reason: string } | null
}
const status = async (id: string) => (await (await w.call(`/v1/models/${id}`)).json()) as Status

beforeAll(async () => {
  const manifests = await seedModels()
  const found = manifests.find((m) => m.id === ELECTRA.id)
  if (!found) throw new Error('electra fixture missing')
  electra = found
})

describe('session creation failing', () => {
  it('bytes that are not ONNX: 503 for that model (concurrent requests too), others load and serve, a good publish recovers it', async () => {
    const garbage = new TextEncoder().encode('these bytes passed the sha256 check but are not an ONNX model '.repeat(64))
    await publishManifest('electra-not-onnx', [await versionWithWeights('broken', garbage)])

    const answers = await Promise.all(Array.from({ length: 4 }, () => classify('electra-not-onnx')))
    for (const res of answers) {
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
    const v1 = first(electra)
    expect((await classify(ELECTRA.id)).headers.get('X-Model-Version')).toBe(ELECTRA.version)
    const garbage = new TextEncoder().encode('not a model either '.repeat(32))
    await publishManifest(ELECTRA.id, [await versionWithWeights('broken-v2', garbage), v1])

    // MANIFEST_TTL_SECONDS is 0 in the tests: each request re-checks the manifest in the background.
    for (let i = 0; i < 3; i++) {
      const res = await classify(ELECTRA.id)
      expect(res.status).toBe(200)
      expect(res.headers.get('X-Model-Version')).toBe(ELECTRA.version)
    }
    // (`version` in GET /v1/models/{id} is the manifest's active one; X-Model-Version is what served.)
    expect(await status(ELECTRA.id)).toMatchObject({ loaded: true, last_failure: { type: 'ort_error', version: 'broken-v2' } })

    const v2 = await electraV2()
    await seedManifest({ ...electra, active: v2.version, versions: [v2, ...electra.versions] })
    let version = ''
    // The swap happens in the background of one request; bounded, no timing involved.
    for (let i = 0; i < 10 && version !== ELECTRA_V2.version; i++) {
      const res = await classify(ELECTRA.id)
      expect(res.status).toBe(200)
      version = res.headers.get('X-Model-Version') ?? ''
    }
    expect(version).toBe(ELECTRA_V2.version)
  })
})
