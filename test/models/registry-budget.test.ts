/**
 * The registry's memory budget, over a heap that behaves as ORT's does: it
 * grows up to a hard maximum and never shrinks, a released session's bytes are
 * reused by the next one, and an allocation past the maximum fails with ORT's
 * `std::bad_alloc`. Real ORT under workerd: test/core/inference/budget.workerd.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { MiB } from '../../src/core/config.ts'
import { asProblem } from '../../src/middleware/problem.ts'
import { DEFAULT_REGISTRY_OPTIONS, ModelRegistry } from '../../src/models/registry.ts'
import type { RegistryDeps } from '../../src/models/registry.ts'
import type { ClassifierSession } from '../../src/core/inference/session.ts'
import type { ModelManifest, ModelVersion } from '../../src/core/schema/manifest.ts'
import { blob, modelVersion } from '../support/model-version.ts'
import { AppError } from '../../src/core/errors.ts'
import { constantTokenizer } from '../support/tokenizer.ts'

const BASELINE = 10 * MiB
const WEIGHTS = 4 * MiB
/** What each test model keeps once loaded, and its peak alone (6 MiB of scratch space beyond). */
const FOOTPRINT = { session_bytes: 20 * MiB, peak_bytes: 26 * MiB }
const SCRATCH = FOOTPRINT.peak_bytes - FOOTPRINT.session_bytes

const version = (id: string, footprint = FOOTPRINT): ModelVersion =>
  modelVersion(`${id}-v1`, { weights: blob(`blobs/sha256/${id}.onnx`, 'a'.repeat(64), WEIGHTS), footprint })

/**
 * `ids` as published models over a simulated heap capped at `capBytes`.
 * `actual` is what a session really takes (defaults to its manifest's session bytes).
 */
function world(ids: string[], capBytes: number, actual: (id: string) => number = () => FOOTPRINT.session_bytes) {
  const heap = { used: BASELINE, size: BASELINE, created: [] as string[], released: [] as string[] }
  const deps: RegistryDeps = {
    async readManifest(id): Promise<ModelManifest> {
      if (!ids.includes(id)) throw new AppError('not_found', 'no manifest')
      return { id, active: `${id}-v1`, pending: null, versions: [version(id)], failures: [] }
    },
    readWeights: async (id) => new TextEncoder().encode(id),
    readTokenizer: async () => new Uint8Array([1]),
    parseTokenizer: () => constantTokenizer(),
    async createSession(weights) {
      const id = new TextDecoder().decode(weights)
      const bytes = actual(id)
      if (heap.used + bytes > capBytes) throw new Error("Can't create a session. ERROR_CODE: 6, ERROR_MESSAGE: std::bad_alloc")
      heap.used += bytes
      heap.size = Math.max(heap.size, heap.used)
      heap.created.push(id)
      const session: ClassifierSession = {
        inputNames: ['input_ids'],
        run: async () => ({ data: new Float32Array(2), dims: [1, 2] }),
        release: async () => {
          heap.used -= bytes
          heap.released.push(id)
        },
      }
      return session
    },
    now: (() => {
      let t = 0
      return () => ++t
    })(),
    wasmMemoryBytes: () => heap.size,
  }
  return { heap, deps }
}

/**
 * A budget that holds two loaded test models, one run and a load's transient
 * weights beside them, and not three: sessions add up, the largest run counts once.
 */
const TWO = BASELINE + 2 * FOOTPRINT.session_bytes + SCRATCH + WEIGHTS + 2 * MiB

describe('ModelRegistry memory budget', () => {
  it('serves four models in a budget of two, one request at a time, evicting the least recently used', async () => {
    const { heap, deps } = world(['a', 'b', 'c', 'd'], TWO)
    const registry = new ModelRegistry(deps, { ...DEFAULT_REGISTRY_OPTIONS, budgetBytes: TWO })
    for (const id of ['a', 'b', 'a', 'c', 'd', 'b', 'a']) {
      const lease = await registry.acquire(id)
      expect(lease.model.id).toBe(id)
      lease.done()
      expect(heap.size).toBeLessThanOrEqual(TWO)
      expect(registry.memory().models.length).toBeLessThanOrEqual(2)
    }
    // 'b' was used before 'a' when 'c' arrived, and 'c' before 'd' when 'b' came back.
    expect(heap.released).toEqual(['b', 'a', 'c', 'd'])
    const memory = registry.memory()
    expect(memory.budget_bytes).toBe(TWO)
    expect(memory.models.map((m) => m.id).sort()).toEqual(['a', 'b'])
  })

  it('answers a model that cannot fit while the others serve with a retryable AppError', async () => {
    const { heap, deps } = world(['a', 'b', 'c'], TWO)
    const registry = new ModelRegistry(deps, { ...DEFAULT_REGISTRY_OPTIONS, budgetBytes: TWO })
    const a = await registry.acquire('a')
    const b = await registry.acquire('b')
    const refused = await registry.acquire('c').catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(AppError)
    expect(refused).toMatchObject({ kind: 'over_budget', retryAfterSeconds: 1, model: 'c' })
    expect(heap.created).toEqual(['a', 'b'])
    a.done()
    // No back-off: room is checked again on the next request.
    const c = await registry.acquire('c')
    expect(c.model.id).toBe('c')
    expect(heap.released).toEqual(['a'])
    b.done()
    c.done()
    expect(heap.size).toBeLessThanOrEqual(TWO)
  })

  it('answers over HTTP and RPC as a 503 over_budget problem with Retry-After', () => {
    const busy = new AppError('over_budget', 'Model "c" does not fit now.', { model: 'c', retryAfterSeconds: 1 })
    expect(asProblem(busy)).toMatchObject({ status: 503, problemType: 'over_budget', retryAfterSeconds: 1, model: 'c' })
    const huge = new AppError('over_budget', 'Model "big" is larger than the budget.', { model: 'big', retryAfterSeconds: 300 })
    expect(asProblem(huge)).toMatchObject({ status: 503, problemType: 'over_budget', retryAfterSeconds: 300 })
  })

  it('refuses a version larger than the whole budget before reading its weights, naming the fixes', async () => {
    const { heap, deps } = world(['big'], TWO)
    deps.readManifest = async (id) => ({ id, active: 'v1', pending: null, versions: [{ ...version(id), version: 'v1', footprint: { session_bytes: TWO, peak_bytes: TWO } }], failures: [] })
    let reads = 0
    deps.readWeights = async (id) => (reads++, new TextEncoder().encode(id))
    const registry = new ModelRegistry(deps, { ...DEFAULT_REGISTRY_OPTIONS, budgetBytes: TWO })
    const refused = await registry.acquire('big').catch((e: unknown) => e)
    expect(refused).toMatchObject({ kind: 'over_budget', retryAfterSeconds: 300 })
    expect(String(refused)).toMatch(/int8.*--max-length.*Worker of its own/)
    expect(reads).toBe(0)
    expect(heap.created).toEqual([])
  })

  it('when a load hits the hard maximum anyway, frees the idle models and tries once more', async () => {
    // 'b' takes more than its manifest says, so it is admitted beside 'a' and then fails to allocate.
    const real: Record<string, number> = { a: 20 * MiB, b: 45 * MiB }
    const { heap, deps } = world(['a', 'b'], TWO, (id) => real[id] ?? 0)
    const registry = new ModelRegistry(deps, { ...DEFAULT_REGISTRY_OPTIONS, budgetBytes: TWO })
    ;(await registry.acquire('a')).done()
    const b = await registry.acquire('b')
    expect(b.model.id).toBe('b')
    expect(heap.released).toEqual(['a'])
    // With 'b' serving, nothing idle is left to free: the failure is an AppError, not an ORT error.
    const refused = await registry.acquire('a').catch((e: unknown) => e)
    expect(refused).toMatchObject({ kind: 'over_budget', retryAfterSeconds: 1 })
    b.done()
    expect(heap.size).toBeLessThanOrEqual(TWO)
  })

  it('counts a model whose load grew the heap past its measured peak for the excess', async () => {
    const { deps } = world(['a', 'b'], 4 * TWO, (id) => (id === 'a' ? 40 * MiB : FOOTPRINT.peak_bytes))
    const registry = new ModelRegistry(deps, { ...DEFAULT_REGISTRY_OPTIONS, budgetBytes: 4 * TWO })
    const a = await registry.acquire('a')
    // Growth up to the peak is scratch space the load frees again: 'b' stays counted as measured.
    const b = await registry.acquire('b')
    const excess = 40 * MiB - FOOTPRINT.peak_bytes
    expect(registry.memory().models).toEqual([
      { id: 'a', version: 'a-v1', footprint_bytes: FOOTPRINT.session_bytes + excess, in_flight: 1 },
      { id: 'b', version: 'b-v1', footprint_bytes: FOOTPRINT.session_bytes, in_flight: 1 },
    ])
    a.done()
    b.done()
  })
})
