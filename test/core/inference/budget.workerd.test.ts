/**
 * The memory budget with real onnxruntime-web in workerd: four full-size
 * int8 models (ELECTRA-small and ALBERT-base, two ids each) through a
 * registry whose budget holds two, over real local R2/KV. The budget is
 * computed from the footprints `publish` measured for these fixtures.
 */
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { classifyEncodings, defaultActivation } from '../../../src/core/inference/classifier.ts'
import { footprintOf, loadNeedBytes, residentBytes } from '../../../src/core/inference/budget.ts'
import { createSession, startBackend, wasmMemoryBytes } from '../../../src/ort/ort.ts'
import { ModelRegistry, type RegistryDeps } from '../../../src/models/registry.ts'
import type { ModelManifest, ModelVersion } from '../../../src/core/schema/manifest.ts'
import { readTokenizer } from '../../../src/storage/kv.ts'
import { readManifest, readWeights } from '../../../src/storage/r2.ts'
import { loadTokenizer } from '../../../src/core/tokenizers/index.ts'
import { seedManifest, seedMemoryModels } from '../../support/seed.ts'
import { AppError } from '../../../src/core/errors.ts'

const deps: RegistryDeps = {
  readManifest: (id) => readManifest(env.MODELS, id),
  readWeights: (id, v) => readWeights(env.MODELS, id, v.weights),
  readTokenizer: (id, v) => readTokenizer(env.TOKENIZERS, id, v.tokenizer),
  parseTokenizer: loadTokenizer,
  createSession: (weights) => createSession(weights),
  now: () => Date.now(),
  wasmMemoryBytes,
}

const IDS = ['electra-one', 'albert-one', 'electra-two', 'albert-two'] as const
let versions: ModelVersion[] = []

/**
 * Room for both kinds loaded and the larger load's transient weights, above
 * the heap as it is now (a fresh registry counts the heap it finds as taken):
 * two models, never three.
 */
function budgetForTwo(): number {
  const footprints = versions.map(footprintOf)
  const budget = wasmMemoryBytes() + residentBytes(footprints) + Math.max(...versions.map((v) => v.weights.size))
  expect(loadNeedBytes(wasmMemoryBytes(), [...footprints, ...footprints.slice(0, 1)], versions[1] as ModelVersion)).toBeGreaterThan(budget)
  return budget
}

beforeAll(async () => {
  await startBackend()
  const [electra, albert] = (await seedMemoryModels()) as [ModelManifest, ModelManifest]
  for (const [i, id] of IDS.entries()) await seedManifest({ ...(i % 2 === 0 ? electra : albert), id })
  versions = [electra, albert].map((m) => m.versions[0] as ModelVersion)
  // publish measured them under onnxruntime-web
  for (const v of versions) expect(v.footprint?.session_bytes).toBeGreaterThan(0)
})

/** One short classification through a lease, as the classify route runs it. */
async function classifyOnce(registry: ModelRegistry, id: string): Promise<void> {
  const lease = await registry.acquire(id)
  try {
    const { session, tokenizer, version } = lease.model
    const encoding = tokenizer.encode({ text: 'Win a FREE cruise, reply now' }, { max_length: 64, truncation: true })
    const rows = await classifyEncodings(
      session,
      [encoding],
      { pad_id: tokenizer.pad_id, id2label: version.id2label },
      { activation: defaultActivation(version.problem_type), top_k: null },
    )
    expect(rows[0]).toHaveLength(Object.keys(version.id2label).length)
  } finally {
    lease.done()
  }
}

describe('a registry whose budget holds two of four models', () => {
  it('serves every sequential request, evicting the least recently used, within the budget', async () => {
    const budget = budgetForTwo()
    const registry = new ModelRegistry(deps, { budgetBytes: budget })
    const start = wasmMemoryBytes()
    for (const id of [...IDS, ...IDS, 'electra-one', 'electra-one', 'albert-two']) {
      await classifyOnce(registry, id)
      const memory = registry.memory()
      expect(memory.models.length).toBeLessThanOrEqual(2)
      // The heap never shrinks: what counts is that no load grew it past the budget.
      expect(memory.wasm_memory_bytes).toBeLessThanOrEqual(Math.max(start, budget))
    }
    expect(
      registry
        .memory()
        .models.map((m) => m.id)
        .sort(),
    ).toEqual(['albert-two', 'electra-one'])
  })

  it('answers a load that cannot fit while the others serve with a retryable 503 error, then serves it', async () => {
    const registry = new ModelRegistry(deps, { budgetBytes: budgetForTwo() })
    const held = [await registry.acquire('electra-one'), await registry.acquire('albert-one')]
    const refused = await registry.acquire('electra-two').catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(AppError)
    expect(refused).toMatchObject({ kind: 'over_budget', retryAfterSeconds: 1 })
    held[0]?.done()
    await classifyOnce(registry, 'electra-two')
    held[1]?.done()
  })

  it('refuses a model larger than the whole budget before reading its weights', async () => {
    const registry = new ModelRegistry(deps, { budgetBytes: wasmMemoryBytes() + (versions[0]?.weights.size ?? 0) })
    const refused = await registry.acquire('electra-one').catch((e: unknown) => e)
    expect(refused).toMatchObject({ kind: 'over_budget', retryAfterSeconds: 300 })
    expect(registry.memory().models).toEqual([])
  })
})
