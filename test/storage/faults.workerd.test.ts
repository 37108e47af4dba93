import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { manifestKey } from '../../src/core/schema/keys.ts'
import type { ModelManifest } from '../../src/core/schema/manifest.ts'
import { readWeights } from '../../src/storage/r2.ts'
import { ELECTRA } from '../support/fixture-models.ts'
import { fixture } from '../support/fixtures.ts'
import { get, post, problem } from '../support/http.ts'
import { seedModels } from '../support/seed.ts'

let electra: ModelManifest

/** A copy of the ELECTRA fixture under another id, edited by `edit`. */
async function variant(id: string, edit: (m: ModelManifest) => void = () => {}): Promise<ModelManifest> {
  const m = structuredClone(electra)
  m.id = id
  edit(m)
  await env.MODELS.put(manifestKey(id), JSON.stringify(m))
  return m
}

beforeAll(async () => {
  const manifests = await seedModels()
  const found = manifests.find((m) => m.id === ELECTRA.id)
  if (!found) throw new Error('electra fixture missing')
  electra = found
})

describe('weights integrity', () => {
  it('refuses weights whose sha256 differs from the manifest, naming the model, and keeps other models serving', async () => {
    const v = electra.versions[0]
    if (!v) throw new Error('no version')
    const bytes = await fixture(`${v.weights.sha256}.onnx`)
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff
    await env.MODELS.put('blobs/sha256/tampered.onnx', bytes)
    await variant('electra-tampered', (m) => {
      if (m.versions[0]) m.versions[0].weights.key = 'blobs/sha256/tampered.onnx'
    })
    await expect(readWeights(env.MODELS, 'electra-tampered', { ...v.weights, key: 'blobs/sha256/tampered.onnx' })).rejects.toMatchObject({
      kind: 'corrupt',
      model: 'electra-tampered',
    })
    const p = await problem(await post('/v1/models/electra-tampered/classify', { inputs: 'hi' }), 503)
    expect(p.model).toBe('electra-tampered')
    expect(p.detail).toContain('sha256')
    const detail = (await (await get('/v1/models/electra-tampered')).json()) as { loaded: boolean; last_failure: { type: string } }
    expect(detail).toMatchObject({ loaded: false, last_failure: { type: 'corrupt' } })
    expect((await post(`/v1/models/${ELECTRA.id}/classify`, { inputs: 'hi' })).status).toBe(200)
  })

  it('answers a missing weights blob or tokenizer with 503, and recovers once it is back', async () => {
    const v = electra.versions[0]
    if (!v) throw new Error('no version')
    await variant('electra-missing', (m) => {
      if (m.versions[0]) m.versions[0].weights.key = 'blobs/sha256/not-yet-uploaded.onnx'
    })
    const p = await problem(await post('/v1/models/electra-missing/classify', { inputs: 'hi' }), 503)
    expect(p.detail).toContain('missing')
    await env.MODELS.put('blobs/sha256/not-yet-uploaded.onnx', await fixture(`${v.weights.sha256}.onnx`))
    expect((await post('/v1/models/electra-missing/classify', { inputs: 'hi' })).status).toBe(200)

    await variant('electra-no-tokenizer', (m) => {
      if (m.versions[0]) m.versions[0].tokenizer = { ...v.tokenizer, key: 'tokenizer/sha256/absent', sha256: 'a'.repeat(64) }
    })
    const t = await problem(await post('/v1/models/electra-no-tokenizer/classify', { inputs: 'hi' }), 503)
    expect(t.detail).toContain('tokenizer')
  })

  it('answers a malformed manifest with 503 naming the field', async () => {
    await env.MODELS.put(manifestKey('electra-broken'), JSON.stringify({ id: 'electra-broken', active: 'x' }))
    const p = await problem(await post('/v1/models/electra-broken/classify', { inputs: 'hi' }), 503)
    expect(p.detail).toContain('malformed')
    await env.MODELS.put(manifestKey('electra-notjson'), '{oops')
    await problem(await post('/v1/models/electra-notjson/classify', { inputs: 'hi' }), 503)
  })

  it('answers a model with no active version with 503 naming the pending one', async () => {
    await variant('electra-pending', (m) => {
      m.pending = m.active
      m.active = null
    })
    const p = await problem(await post('/v1/models/electra-pending/classify', { inputs: 'hi' }), 503)
    expect(p.detail).toContain('pending')
  })
})

describe('concurrent first requests', () => {
  it('share one load', async () => {
    await variant('electra-concurrent')
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) => post('/v1/models/electra-concurrent/classify', { inputs: `request ${i}` })),
    )
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200])
    const detail = (await (await get('/v1/models/electra-concurrent')).json()) as { loaded: boolean; loads: number }
    expect(detail).toMatchObject({ loaded: true, loads: 1 })
  })
})
