/**
 * ModelRegistry over in-memory storage and fake sessions: shared loads, TTL
 * re-checks, swaps, failures and back-off; its memory budget, over a heap that
 * behaves as ORT's does (it grows up to a hard maximum and never shrinks, a
 * released session's bytes are reused by the next one, and an allocation past
 * the maximum fails with ORT's `std::bad_alloc`; real ORT under workerd:
 * test/core/inference/budget.workerd.test.ts); and `adopt`, by which the cron
 * hands its smoke-tested session to the isolate's registry. Under workerd with
 * real storage: test/models/registry.workerd.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { MiB } from '../../src/core/config.ts'
import { asProblem } from '../../src/middleware/problem.ts'
import { DEFAULT_REGISTRY_OPTIONS, ModelRegistry } from '../../src/models/registry.ts'
import type { LiveModel, RegistryDeps } from '../../src/models/registry.ts'
import type { ModelManifest, ModelVersion } from '../../src/core/schema/manifest.ts'
import type { ClassifierSession } from '../../src/core/inference/session.ts'
import { blob, modelVersion } from '../support/model-version.ts'
import { AppError } from '../../src/core/errors.ts'
import { constantTokenizer } from '../support/tokenizer.ts'

const sha = (c: string) => c.repeat(64)

const version = (v: string, weightsSha = sha(v.slice(-1)), tokenizerSha = sha('f')): ModelVersion =>
  modelVersion(v, {
    weights: blob(`blobs/sha256/${weightsSha}.onnx`, weightsSha, 4),
    tokenizer: blob(`tokenizer/sha256/${tokenizerSha}`, tokenizerSha, 2),
  })

/** In-memory storage and ORT with counters, failure switches and a hand-driven clock. */
function fakes(initial: ModelManifest) {
  const state = {
    manifest: initial,
    clock: 1_000,
    manifestReads: 0,
    sessionsCreated: 0,
    tokenizersParsed: 0,
    released: [] as string[],
    failWeights: new Set<string>(),
    failManifest: false,
    missing: false,
    weightReads: 0,
    gate: undefined as Promise<void> | undefined,
  }
  const deps: RegistryDeps = {
    async readManifest() {
      state.manifestReads++
      if (state.missing) throw new AppError('not_found', 'no manifest')
      if (state.failManifest) throw new AppError('storage_unavailable', 'R2 down')
      return structuredClone(state.manifest)
    },
    async readWeights(_id, v) {
      state.weightReads++
      if (state.failWeights.has(v.version)) throw new AppError('corrupt', `sha mismatch ${v.version}`)
      return new TextEncoder().encode(v.version)
    },
    async readTokenizer() {
      return new Uint8Array([1, 2])
    },
    parseTokenizer() {
      state.tokenizersParsed++
      return constantTokenizer()
    },
    async createSession(weights) {
      await state.gate
      state.sessionsCreated++
      const name = new TextDecoder().decode(weights)
      const session: ClassifierSession = {
        inputNames: ['input_ids'],
        run: async () => ({ data: new Float32Array(2), dims: [1, 2] }),
        release: async () => {
          state.released.push(name)
        },
      }
      return session
    },
    now: () => state.clock,
    wasmMemoryBytes: () => 0,
  }
  return { state, deps }
}

const manifest = (active: string | null, versions: ModelVersion[], pending: string | null = null): ModelManifest => ({
  id: 'm',
  active,
  pending,
  versions,
  failures: [],
})

const options = { manifestTtlMs: 100, retryFailedMs: 1_000, coldRetryMs: 0 }

describe('ModelRegistry', () => {
  it('shares one load between concurrent first requests', async () => {
    const { state, deps } = fakes(manifest('v1', [version('v1')]))
    let open = () => {}
    state.gate = new Promise((r) => (open = r))
    const registry = new ModelRegistry(deps, options)
    const leases = Promise.all(Array.from({ length: 8 }, () => registry.acquire('m')))
    open()
    const all = await leases
    expect(state.sessionsCreated).toBe(1)
    expect(state.manifestReads).toBe(1)
    expect(new Set(all.map((l) => l.model)).size).toBe(1)
    expect(registry.status('m')).toMatchObject({ loaded: true, version: 'v1', loads: 1, last_failure: null })
  })

  it('serves a warm model without reading the manifest until the TTL passes', async () => {
    const { state, deps } = fakes(manifest('v1', [version('v1')]))
    const registry = new ModelRegistry(deps, options)
    ;(await registry.acquire('m')).done()
    ;(await registry.acquire('m')).done()
    expect(state.manifestReads).toBe(1)
    state.clock += 100
    const pending: Promise<unknown>[] = []
    ;(await registry.acquire('m', (p) => pending.push(p))).done()
    await Promise.all(pending)
    expect(state.manifestReads).toBe(2)
    expect(state.sessionsCreated).toBe(1)
  })

  it('swaps to a new active version and releases the old one after in-flight requests finish', async () => {
    const { state, deps } = fakes(manifest('v1', [version('v1')]))
    const registry = new ModelRegistry(deps, options)
    const inFlight = await registry.acquire('m')
    state.manifest = manifest('v2', [version('v2'), version('v1')])
    state.clock += 100
    await registry.refresh('m')
    const next = await registry.acquire('m')
    expect(next.model.version.version).toBe('v2')
    expect(inFlight.model.version.version).toBe('v1')
    expect(state.released).toEqual([])
    inFlight.done()
    await Promise.resolve()
    expect(state.released).toEqual(['v1'])
    next.done()
    expect(state.released).toEqual(['v1'])
  })

  it('keeps the old version serving when the new one fails, records why, and backs off', async () => {
    const { state, deps } = fakes(manifest('v1', [version('v1')]))
    const registry = new ModelRegistry(deps, options)
    ;(await registry.acquire('m')).done()
    state.manifest = manifest('v2', [version('v2'), version('v1')])
    state.failWeights.add('v2')
    state.clock += 100
    await registry.refresh('m')
    const lease = await registry.acquire('m')
    expect(lease.model.version.version).toBe('v1')
    lease.done()
    expect(registry.status('m').last_failure).toMatchObject({ version: 'v2', type: 'corrupt' })
    expect(registry.status('m').last_failure?.reason).toContain('sha mismatch v2')
    // The broken version is not re-fetched on every check ...
    const created = state.sessionsCreated
    state.failWeights.delete('v2')
    state.clock += 100
    await registry.refresh('m')
    expect(state.sessionsCreated).toBe(created)
    // ... but is tried again once the back-off has passed, and then served.
    state.clock += 1_000
    await registry.refresh('m')
    expect((await registry.acquire('m')).model.version.version).toBe('v2')
    expect(registry.status('m').last_failure).toBeNull()
  })

  it('keeps serving when the manifest cannot be re-read', async () => {
    const { state, deps } = fakes(manifest('v1', [version('v1')]))
    const registry = new ModelRegistry(deps, options)
    ;(await registry.acquire('m')).done()
    state.failManifest = true
    state.clock += 100
    await registry.refresh('m')
    expect((await registry.acquire('m')).model.version.version).toBe('v1')
    expect(registry.status('m').last_failure?.type).toBe('storage_unavailable')
  })

  it('fails a first load with the storage error and recovers once the fault is gone', async () => {
    const { state, deps } = fakes(manifest('v1', [version('v1')]))
    state.failWeights.add('v1')
    const registry = new ModelRegistry(deps, options)
    await expect(registry.acquire('m')).rejects.toMatchObject({ kind: 'corrupt' })
    expect(registry.status('m')).toMatchObject({ loaded: false, last_failure: { version: 'v1', type: 'corrupt' } })
    state.failWeights.delete('v1')
    expect((await registry.acquire('m')).model.version.version).toBe('v1')
  })

  it('keeps a failed cold load for coldRetryMs: the same error, no storage reads, then one retry', async () => {
    const { state, deps } = fakes(manifest('v1', [version('v1')]))
    state.failWeights.add('v1')
    const registry = new ModelRegistry(deps, { ...options, coldRetryMs: 5_000 })
    await expect(registry.acquire('m')).rejects.toMatchObject({ kind: 'corrupt' })
    expect([state.manifestReads, state.weightReads]).toEqual([1, 1])
    state.failWeights.delete('v1')

    state.clock += 1_200
    const err = await registry.acquire('m').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    // Same type as the failure (so the same answer), its message, and the seconds left, rounded up.
    expect(err).toMatchObject({ kind: 'corrupt', model: 'm', retryAfterSeconds: 4 })
    expect(String(err)).toContain('sha mismatch v1')
    state.clock += 3_799
    await expect(registry.acquire('m')).rejects.toMatchObject({ retryAfterSeconds: 1 })
    expect([state.manifestReads, state.weightReads]).toEqual([1, 1])

    state.clock += 1
    expect((await registry.acquire('m')).model.version.version).toBe('v1')
    expect([state.manifestReads, state.weightReads]).toEqual([2, 2])
    expect(registry.status('m')).toMatchObject({ loaded: true, last_failure: null })
  })

  it('keeps a failing manifest read and a missing active version for coldRetryMs too', async () => {
    const { state, deps } = fakes(manifest(null, [version('v1')], 'v1'))
    const registry = new ModelRegistry(deps, { ...options, coldRetryMs: 5_000 })
    await expect(registry.acquire('m')).rejects.toBeInstanceOf(AppError)
    await expect(registry.acquire('m')).rejects.toMatchObject({ kind: 'no_active_version', retryAfterSeconds: 5 })
    state.clock += 5_000
    state.failManifest = true
    await expect(registry.acquire('m')).rejects.toMatchObject({ kind: 'storage_unavailable' })
    await expect(registry.acquire('m')).rejects.toBeInstanceOf(AppError)
    expect(state.manifestReads).toBe(2)
  })

  it('does not keep an id without a manifest: the next request looks again, and no slot is left', async () => {
    const { state, deps } = fakes(manifest('v1', [version('v1')]))
    state.missing = true
    const registry = new ModelRegistry(deps, { ...options, coldRetryMs: 5_000 })
    for (let i = 0; i < 3; i++) await expect(registry.acquire(`made-up-${i}`)).rejects.toMatchObject({ kind: 'not_found' })
    await expect(registry.acquire('m')).rejects.toMatchObject({ kind: 'not_found' })
    expect(state.manifestReads).toBe(4)
    // Nothing was kept for the made-up ids (status shows no failure: there is no slot).
    expect(registry.status('made-up-0')).toMatchObject({ loaded: false, last_failure: null, loads: 0 })
    state.missing = false
    expect((await registry.acquire('m')).model.version.version).toBe('v1')
  })

  it('refuses a model with no active version, naming the pending one', async () => {
    const { deps } = fakes(manifest(null, [version('v1')], 'v1'))
    const registry = new ModelRegistry(deps, options)
    const err = await registry.acquire('m').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AppError)
    expect(String(err)).toContain('v1 is pending')
  })

  it('parses a tokenizer once per content hash', async () => {
    const { state, deps } = fakes(manifest('v1', [version('v1')]))
    const registry = new ModelRegistry(deps, options)
    ;(await registry.acquire('m')).done()
    state.manifest = manifest('v2', [version('v2'), version('v1')])
    state.clock += 100
    await registry.refresh('m')
    expect(state.sessionsCreated).toBe(2)
    expect(state.tokenizersParsed).toBe(1)
  })
})

describe('ModelRegistry memory budget', () => {
  const BASELINE = 10 * MiB
  const WEIGHTS = 4 * MiB
  /** What each test model keeps once loaded, and its peak alone (6 MiB of scratch space beyond). */
  const FOOTPRINT = { session_bytes: 20 * MiB, peak_bytes: 26 * MiB }
  const SCRATCH = FOOTPRINT.peak_bytes - FOOTPRINT.session_bytes

  const budgetVersion = (id: string, footprint = FOOTPRINT): ModelVersion =>
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
        return { id, active: `${id}-v1`, pending: null, versions: [budgetVersion(id)], failures: [] }
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

  it("reserves room for the rollout's candidate as for a load: evicting idle models, refusing when all serve", async () => {
    const { heap, deps } = world(['a', 'b'], 4 * TWO)
    const registry = new ModelRegistry(deps, { ...DEFAULT_REGISTRY_OPTIONS, budgetBytes: TWO })
    ;(await registry.acquire('a')).done()
    const b = await registry.acquire('b')
    const release = registry.reserve('c', budgetVersion('c'))
    expect(heap.released).toEqual(['a'])
    // While the candidate holds its room, a load that would pass the budget is refused.
    await expect(registry.acquire('a')).rejects.toMatchObject({ kind: 'over_budget', retryAfterSeconds: 1 })
    expect(() => registry.reserve('d', budgetVersion('d'))).toThrow(expect.objectContaining({ kind: 'over_budget' }))
    release()
    b.done()
    expect((await registry.acquire('a')).model.id).toBe('a')
  })

  it('counts a load in progress as loaded, so concurrent cold loads cannot share the same room', async () => {
    // The heap's hard cap well above the budget: the registry's own accounting must stop the third load.
    const { heap, deps } = world(['a', 'b', 'c'], 4 * TWO)
    const registry = new ModelRegistry(deps, { ...DEFAULT_REGISTRY_OPTIONS, budgetBytes: TWO })
    // Three first requests at once: two fit, the third is told to retry, and no load passes the budget.
    const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((id) => registry.acquire(id)))
    const loaded = outcomes.filter((o) => o.status === 'fulfilled')
    expect(loaded).toHaveLength(2)
    const refused = outcomes.find((o) => o.status === 'rejected')
    expect(refused?.status === 'rejected' && refused.reason).toMatchObject({ kind: 'over_budget', retryAfterSeconds: 1, model: 'c' })
    expect(heap.created).toEqual(['a', 'b'])
    expect(registry.memory().models).toHaveLength(2)
    for (const o of loaded) if (o.status === 'fulfilled') o.value.done()
    // Once one is idle, the third evicts it and loads.
    expect((await registry.acquire('c')).model.id).toBe('c')
    expect(heap.created).toEqual(['a', 'b', 'c'])
  })

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
    deps.readManifest = async (id) => ({
      id,
      active: 'v1',
      pending: null,
      versions: [{ ...budgetVersion(id), version: 'v1', footprint: { session_bytes: TWO, peak_bytes: TWO } }],
      failures: [],
    })
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

describe('ModelRegistry.adopt', () => {
  const sha = 'a'.repeat(64)
  const adoptVersion = (v: string): ModelVersion =>
    modelVersion(v, {
      max_length: 16,
      weights: blob(`blobs/sha256/${v}`, sha, 1),
      tokenizer: blob('tokenizer/sha256/t', sha, 1),
    })

  const adoptTokenizer = constantTokenizer()

  function setup() {
    const released: string[] = []
    let manifest: ModelManifest = { id: 'm', active: 'v1', pending: 'v2', versions: [adoptVersion('v2'), adoptVersion('v1')], failures: [] }
    let gate: Promise<void> | undefined
    const session = (name: string): ClassifierSession => ({
      inputNames: [],
      run: async () => ({ data: new Float32Array(2), dims: [1, 2] }),
      release: async () => {
        released.push(name)
      },
    })
    const deps: RegistryDeps = {
      readManifest: async () => {
        await gate
        return structuredClone(manifest)
      },
      readWeights: async (_id, v) => new TextEncoder().encode(v.version),
      readTokenizer: async () => new Uint8Array(),
      parseTokenizer: () => adoptTokenizer,
      createSession: async (w) => session(new TextDecoder().decode(w)),
      now: () => 0,
      wasmMemoryBytes: () => 0,
    }
    // A long TTL: only adopt (or an explicit refresh) changes the live model.
    const registry = new ModelRegistry(deps, { manifestTtlMs: 60_000, retryFailedMs: 60_000 })
    const model = (v: string): LiveModel => ({
      id: 'm',
      version: adoptVersion(v),
      session: session(v),
      tokenizer: adoptTokenizer,
      loadMs: 1,
      footprint: { session_bytes: 0, peak_bytes: 0 },
    })
    return {
      registry,
      released,
      model,
      setManifest: (m: Partial<ModelManifest>) => {
        manifest = { ...manifest, ...m }
      },
      hold: () => {
        let open = () => {}
        gate = new Promise((resolve) => {
          open = resolve
        })
        return () => {
          gate = undefined
          open()
        }
      },
    }
  }

  it('swaps an adopted model in, releasing the old one after its in-flight request', async () => {
    const { registry, released, model, setManifest } = setup()
    const lease = await registry.acquire('m')
    expect(lease.model.version.version).toBe('v1')
    expect(registry.status('m')).toMatchObject({ pending: 'v2', activation_failure: null })

    setManifest({ active: 'v2', pending: null })
    expect(registry.adopt(model('v2'))).toBe(true)
    const next = await registry.acquire('m')
    expect(next.model.version.version).toBe('v2')
    expect(registry.status('m')).toMatchObject({ version: 'v2', loads: 2, pending: null })
    expect(released).toEqual([]) // v1 still has a request in flight
    lease.done()
    await Promise.resolve()
    expect(released).toEqual(['v1'])
    next.done()

    // The same version again is refused: the caller keeps (and releases) its session.
    expect(registry.adopt(model('v2'))).toBe(false)
  })

  it('refuses while a manifest check is under way, which could swap an older version back in', async () => {
    const { registry, model, hold } = setup()
    ;(await registry.acquire('m')).done()
    const open = hold()
    const refreshing = registry.refresh('m')
    expect(registry.adopt(model('v2'))).toBe(false)
    open()
    await refreshing
    expect(registry.status('m').version).toBe('v1')
  })
})
