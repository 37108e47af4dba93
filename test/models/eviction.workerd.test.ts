/**
 * The memory budget through HTTP, in real workerd with real onnxruntime-web:
 * four full-size int8 models (ELECTRA-small and ALBERT-base, two ids each)
 * behind a WASM_BUDGET_BYTES that holds two. The budget is computed from the
 * footprints `publish` measured for these fixtures, above the heap this file's
 * isolate has when its registry is created (a fresh module instance per file).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { footprintOf, loadNeedBytes, residentBytes } from '../../src/core/inference/budget.ts'
import type { ModelManifest, ModelVersion } from '../../src/core/schema/manifest.ts'
import { startBackend, wasmMemoryBytes } from '../../src/ort/ort.ts'
import { faultyEnv, type FaultyEnv } from '../support/faulty-env.ts'
import { seedManifest, seedMemoryModels } from '../support/seed.ts'

const IDS = ['electra-one', 'albert-one', 'electra-two', 'albert-two'] as const
let worker: FaultyEnv
let budget = 0

interface Isolate {
  wasm_memory_bytes: number
  budget_bytes: number
  models: Array<{ id: string }>
}

beforeAll(async () => {
  await startBackend()
  const [electra, albert] = (await seedMemoryModels()) as [ModelManifest, ModelManifest]
  for (const [i, id] of IDS.entries()) await seedManifest({ ...(i % 2 === 0 ? electra : albert), id })
  const versions = [electra, albert].map((m) => m.versions[0] as ModelVersion)
  const footprints = versions.map(footprintOf)
  // Both kinds loaded and the larger load's transient weights, never a third.
  budget = wasmMemoryBytes() + residentBytes(footprints) + Math.max(...versions.map((v) => v.weights.size))
  expect(loadNeedBytes(wasmMemoryBytes(), [...footprints, ...footprints.slice(0, 1)], versions[1] as ModelVersion)).toBeGreaterThan(budget)
  // The first request creates this file's registry, with these vars.
  worker = faultyEnv({ WASM_BUDGET_BYTES: String(budget), DEFAULT_MODELS: '', MANIFEST_TTL_SECONDS: '0', FAILED_LOAD_RETRY_SECONDS: '0' })
})

const classify = (id: string) => worker.post(`/v1/models/${id}/classify`, { inputs: 'Win a FREE cruise, reply now' })

async function isolate(id: string): Promise<Isolate> {
  const res = await worker.call(`/v1/models/${id}`)
  expect(res.status).toBe(200)
  return ((await res.json()) as { isolate: Isolate }).isolate
}

describe('four models behind a budget that holds two', () => {
  it('answers every sequential request with a 200, evicting the least recently used, never past the budget', async () => {
    const start = wasmMemoryBytes()
    for (const id of [...IDS, ...IDS, 'electra-one', 'albert-two']) {
      expect((await classify(id)).status).toBe(200)
      const held = await isolate(id)
      expect(held.budget_bytes).toBe(budget)
      expect(held.models.length).toBeLessThanOrEqual(2)
      // The heap never shrinks: what counts is that no load grew it past the budget.
      expect(held.wasm_memory_bytes).toBeLessThanOrEqual(Math.max(start, budget))
    }
    expect((await isolate('albert-two')).models.map((m) => m.id).sort()).toEqual(['albert-two', 'electra-one'])
  })

  it('answers concurrent requests with a 200 or a 503 over_budget with Retry-After, never past the budget', async () => {
    const start = wasmMemoryBytes()
    const answers = await Promise.all(IDS.map((id) => classify(id)))
    for (const res of answers) {
      if (res.status === 200) continue
      expect(res.status).toBe(503)
      expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0)
      expect(((await res.json()) as { type: string }).type).toBe('urn:edge-classify:problem:over_budget')
    }
    expect(answers.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1)
    const held = await isolate('electra-one')
    expect(held.models.length).toBeLessThanOrEqual(2)
    expect(held.wasm_memory_bytes).toBeLessThanOrEqual(Math.max(start, budget))
  })
})
