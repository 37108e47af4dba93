import { describe, expect, it } from 'vitest'
import { DEFAULT_REGISTRY_OPTIONS, ModelRegistry } from '../../src/models/registry.ts'
import type { RegistryDeps } from '../../src/models/registry.ts'
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
