/**
 * src/storage/kv.ts under the Worker: a tokenizer missing from KV, and KV
 * erroring while the Worker serves (issue #7 item 3). Each answers a 503
 * problem document naming the affected model only, the other models keep
 * serving, and the model serves again once the fault is gone.
 * R2's faults: test/storage/r2.workerd.test.ts.
 *
 * Every request goes through one FaultyEnv (test/support/faulty-env.ts), so
 * the isolate's registry sees the faults.
 */
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/core/hash.ts'
import { manifestKey } from '../../src/core/schema/keys.ts'
import type { ModelManifest, ModelVersion } from '../../src/core/schema/manifest.ts'
import { ALBERT, ELECTRA } from '../support/fixture-models.ts'
import { fixture } from '../support/fixtures.ts'
import { problem } from '../support/http.ts'
import { seedModels } from '../support/seed.ts'
import { faultyEnv } from '../support/faulty-env.ts'
import { firstVersion } from '../support/model-version.ts'

const w = faultyEnv()
const api = w.api()
let electra: ModelManifest
let albert: ModelManifest

const first = firstVersion

const classify = (id: string) => api.v1.models[':id'].classify.$post({ param: { id }, json: { inputs: 'Win a FREE cruise now' } })

/** A copy of `m` under another id (a cold model for this isolate), its first version edited by `edit`. */
async function copy(m: ModelManifest, id: string, edit: (v: ModelVersion) => void = () => {}): Promise<void> {
  const c = structuredClone(m)
  c.id = id
  edit(first(c))
  await env.MODELS.put(manifestKey(id), JSON.stringify(c))
}

/**
 * The ALBERT tokenizer under a content hash of its own (8 zero bytes of
 * padding past its last section, which the format ignores). The registry
 * parses a tokenizer once per content hash, so a model naming it reads KV on
 * its first load whatever this isolate has loaded before.
 */
async function ownTokenizer(name: string): Promise<ModelVersion['tokenizer']> {
  const original = await fixture(`${first(albert).tokenizer.sha256}.tok`)
  const bytes = new Uint8Array(original.length + 8)
  bytes.set(original)
  const sha256 = await sha256Hex(bytes)
  const ref = { key: `tokenizer/sha256/${name}-${sha256}`, sha256, size: bytes.length }
  await env.TOKENIZERS.put(ref.key, bytes)
  return { ...first(albert).tokenizer, ...ref }
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

describe('tokenizers in KV', () => {
  it('answers a tokenizer missing from KV with 503 naming it', async () => {
    await copy(electra, 'electra-no-tokenizer', (v) => {
      v.tokenizer = { ...v.tokenizer, key: 'tokenizer/sha256/absent', sha256: 'a'.repeat(64) }
    })
    const t = await problem(await classify('electra-no-tokenizer'), 503)
    expect(t.detail).toContain('tokenizer')
  })

  it('KV erroring on a tokenizer: 503 storage_unavailable for that model, others serve, then it recovers', async () => {
    const tokenizer = await ownTokenizer('kv-down')
    await copy(albert, 'albert-kv-down', (v) => {
      v.tokenizer = tokenizer
    })
    expect((await classify(ELECTRA.id)).status).toBe(200)
    w.faults.kvGet.add(tokenizer.key)
    try {
      const p = await problem(await classify('albert-kv-down'), 503)
      expect(p.type).toContain('storage_unavailable')
      expect(p.model).toBe('albert-kv-down')
      expect(p.detail).toContain('KV')
      expect(p.detail).toContain('Retry')
      expect((await classify(ELECTRA.id)).status, `${ELECTRA.id} keeps serving`).toBe(200)
    } finally {
      w.clear()
    }
    expect((await classify('albert-kv-down')).status).toBe(200)
  })
})
