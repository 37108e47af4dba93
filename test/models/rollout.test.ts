/**
 * The scheduled rollout's rules with in-memory storage and a fake session
 * whose predicted label is written in its weights: what gets activated,
 * recorded, backed off, released or handed to the registry.
 */
import { describe, expect, it } from 'vitest'
import { rollOutAll, rollOut } from '../../src/models/rollout.ts'
import type { RolloutDeps } from '../../src/models/rollout.ts'
import type { LiveModel } from '../../src/models/registry.ts'
import type { ClassifierSession } from '../../src/core/inference/session.ts'
import type { ModelManifest, ModelVersion } from '../../src/core/schema/manifest.ts'
import { RETRY_BASE_MS } from '../../src/core/schema/transitions.ts'
import { blob, modelVersion } from '../support/model-version.ts'
import { AppError, type ErrorKind } from '../../src/core/errors.ts'
import { constantTokenizer } from '../support/tokenizer.ts'

const LABELS = ['ham', 'spam']

/** A version whose fake weights always predict `predicts` (scores for `outputs` labels). */
function version(v: string, predicts: string, outputs = 2): ModelVersion {
  return modelVersion(v, {
    max_length: 16,
    weights: blob(`blobs/sha256/${v}:${predicts}:${outputs}`, 'a'.repeat(64), 1),
    tokenizer: blob('tokenizer/sha256/t', 'b'.repeat(64), 1),
    smoke: [
      { text: 'Win a FREE cruise', label: 'spam' },
      { text: 'Lunch tomorrow?', text_pair: 'Yes, at noon.', label: 'spam' },
    ],
  })
}

const T0 = Date.parse('2026-11-27T00:00:00Z')

function fakes(manifests: ModelManifest[]) {
  const state = {
    stored: new Map(manifests.map((m) => [m.id, { manifest: m, etag: 'e0' }])),
    clock: T0,
    sessions: 0,
    runs: 0,
    released: [] as string[],
    adopted: [] as LiveModel[],
    acceptAdoption: true,
    weightErrors: new Map<string, ErrorKind>(),
    /** runs between the manifest read and the write, like a concurrent publish */
    beforeWrite: undefined as (() => void) | undefined,
  }
  const deps: RolloutDeps = {
    listModelIds: async () => [...state.stored.keys()].sort(),
    async readManifest(id) {
      const s = state.stored.get(id)
      if (s === undefined) throw new AppError('not_found', `no ${id}`)
      return structuredClone(s)
    },
    async writeManifest(manifest, etag) {
      state.beforeWrite?.()
      const s = state.stored.get(manifest.id)
      if (s === undefined || s.etag !== etag) return false
      state.stored.set(manifest.id, { manifest: structuredClone(manifest), etag: `${etag}+` })
      return true
    },
    async readWeights(_id, v) {
      const type = state.weightErrors.get(v.version)
      if (type !== undefined) throw new AppError(type, `${type} weights of ${v.version}`)
      return new TextEncoder().encode(v.weights.key.slice('blobs/sha256/'.length))
    },
    readTokenizer: async () => new Uint8Array([1]),
    parseTokenizer: () => constantTokenizer([1, 2]),
    async createSession(weights) {
      state.sessions++
      const [name = '', predicts = '', outputs = '2'] = new TextDecoder().decode(weights).split(':')
      const n = Number(outputs)
      const session: ClassifierSession = {
        inputNames: ['input_ids', 'attention_mask', 'token_type_ids'],
        async run(feeds) {
          state.runs++
          const batch = feeds.input_ids?.dims[0] ?? 0
          const data = new Float32Array(batch * n)
          for (let b = 0; b < batch; b++) data[b * n + Math.max(0, LABELS.indexOf(predicts))] = 5
          return { data, dims: [batch, n] }
        },
        release: async () => {
          state.released.push(name)
        },
      }
      return session
    },
    now: () => state.clock,
    wasmMemoryBytes: () => 0,
    adopt(model) {
      if (!state.acceptAdoption) return false
      state.adopted.push(model)
      return true
    },
  }
  const manifest = (id = 'm'): ModelManifest => {
    const s = state.stored.get(id)
    if (s === undefined) throw new Error(`no manifest ${id}`)
    return s.manifest
  }
  return { state, deps, manifest }
}

const staged = (next: ModelVersion, id = 'm'): ModelManifest => ({
  id,
  active: 'v1',
  pending: next.version,
  versions: [next, version('v1', 'spam')],
  failures: [],
})

describe('rollOut', () => {
  it('activates a version whose smoke cases pass and hands its session to the registry', async () => {
    const { state, deps, manifest } = fakes([staged(version('v2', 'spam'))])
    const outcome = await rollOut('m', deps)
    expect(outcome).toMatchObject({ status: 'activated', version: 'v2', previous: 'v1', adopted: true })
    expect(manifest()).toMatchObject({ active: 'v2', pending: null, failures: [] })
    expect(state.runs).toBe(2) // one run per smoke case
    expect(state.adopted.map((m) => m.version.version)).toEqual(['v2'])
    expect(state.released).toEqual([])
  })

  it('releases the verified session when the registry does not take it', async () => {
    const { state, deps } = fakes([staged(version('v2', 'spam'))])
    state.acceptAdoption = false
    expect(await rollOut('m', deps)).toMatchObject({ status: 'activated', adopted: false })
    expect(state.released).toEqual(['v2'])
  })

  it('keeps the active version when a smoke case changes label, records why and backs off', async () => {
    const { state, deps, manifest } = fakes([staged(version('v2', 'ham'))])
    const failed = await rollOut('m', deps)
    expect(failed).toMatchObject({ status: 'failed', version: 'v2', attempts: 1 })
    expect(manifest()).toMatchObject({ active: 'v1', pending: 'v2' })
    expect(manifest().failures).toEqual([
      {
        version: 'v2',
        reason: expect.stringMatching(/^smoke_failed: .*2 of 2 .*"Win a FREE cruise" gave ham, expected spam.*roll back/),
        at: new Date(T0).toISOString(),
        attempts: 1,
      },
    ])
    expect(state.released).toEqual(['v2'])

    // The next tick does not load it again...
    state.clock += 5 * 60_000
    expect(await rollOut('m', deps)).toEqual({
      id: 'm',
      status: 'backing_off',
      version: 'v2',
      retry_at: new Date(T0 + RETRY_BASE_MS).toISOString(),
    })
    expect(state.sessions).toBe(1)
    // ...but once the back-off is over it tries again, and waits twice as long after.
    state.clock = T0 + RETRY_BASE_MS
    expect(await rollOut('m', deps)).toMatchObject({
      status: 'failed',
      attempts: 2,
      retry_at: new Date(T0 + 3 * RETRY_BASE_MS).toISOString(),
    })
    expect(state.sessions).toBe(2)
  })

  it('records a corrupt or missing blob without creating a session', async () => {
    const { state, deps, manifest } = fakes([staged(version('v2', 'spam'))])
    state.weightErrors.set('v2', 'corrupt')
    expect(await rollOut('m', deps)).toMatchObject({ status: 'failed', reason: 'corrupt: corrupt weights of v2' })
    expect(state.sessions).toBe(0)
    expect(manifest()).toMatchObject({ active: 'v1', pending: 'v2' })
  })

  it('refuses a version whose output does not match its labels', async () => {
    const more = fakes([staged(version('v2', 'spam', 3))])
    expect(await rollOut('m', more.deps)).toMatchObject({ status: 'failed' })
    expect(more.manifest().failures[0]?.reason).toMatch(/^label_mismatch: .*outputs 3 logits/)
    const fewer = fakes([staged(version('v2', 'ham', 1))])
    expect(await rollOut('m', fewer.deps)).toMatchObject({ status: 'failed' })
    expect(fewer.manifest().failures[0]?.reason).toMatch(/^smoke_failed: .*outputs 1 scores .* 2 labels/)
  })

  it("checks a one-label model's smoke cases by their score, which its one label cannot show", async () => {
    const oneLabel = (v: string, score: number): ModelVersion => ({
      ...version(v, 'relevance', 1),
      problem_type: 'regression',
      id2label: { '0': 'relevance' },
      smoke: [{ text: 'is this relevant?', text_pair: 'yes', label: 'relevance', score }],
    })
    // The fake session's one logit is 5: a sigmoid score of 0.9933.
    const kept = fakes([staged(oneLabel('v2', 1 / (1 + Math.exp(-5))))])
    expect(await rollOut('m', kept.deps)).toMatchObject({ status: 'activated', version: 'v2' })
    const moved = fakes([staged(oneLabel('v2', 0.2))])
    expect(await rollOut('m', moved.deps)).toMatchObject({ status: 'failed', version: 'v2' })
    expect(moved.manifest().failures[0]?.reason).toMatch(/^smoke_failed: .*"is this relevant\?" scored 0\.99.*, expected 0\.2/)
  })

  it("verifies a candidate within the isolate's budget: reserved first, released once adopted", async () => {
    const { state, deps } = fakes([staged(version('v2', 'spam'))])
    const events: string[] = []
    deps.reserve = (id, v) => {
      events.push(`reserve ${id} ${v.version} after ${state.sessions} sessions`)
      return () => events.push(`release after ${state.adopted.length} adopted`)
    }
    expect(await rollOut('m', deps)).toMatchObject({ status: 'activated', adopted: true })
    expect(events).toEqual(['reserve m v2 after 0 sessions', 'release after 1 adopted'])
  })

  it('defers a candidate the budget cannot hold now, and records one that can never fit', async () => {
    const busy = fakes([staged(version('v2', 'spam'))])
    busy.deps.reserve = () => {
      throw new AppError('over_budget', 'Model "m" does not fit now.', { model: 'm', retryAfterSeconds: 1 })
    }
    expect(await rollOut('m', busy.deps)).toMatchObject({ status: 'deferred', version: 'v2', reason: 'Model "m" does not fit now.' })
    expect(busy.state.sessions).toBe(0)
    expect(busy.manifest()).toMatchObject({ active: 'v1', pending: 'v2', failures: [] })

    const huge = fakes([staged(version('v2', 'spam'))])
    huge.deps.reserve = () => {
      throw new AppError('over_budget', 'Model "m" is larger than the budget.', { model: 'm', retryAfterSeconds: 300 })
    }
    expect(await rollOut('m', huge.deps)).toMatchObject({ status: 'failed', version: 'v2' })
    expect(huge.manifest().failures[0]?.reason).toMatch(/^over_budget: .*larger than the budget/)
    expect(huge.state.sessions).toBe(0)
  })

  it('defers on a storage outage without recording a failure', async () => {
    const { state, deps, manifest } = fakes([staged(version('v2', 'spam'))])
    state.weightErrors.set('v2', 'storage_unavailable')
    expect(await rollOut('m', deps)).toMatchObject({ status: 'deferred', version: 'v2' })
    expect(manifest().failures).toEqual([])
  })

  it('never overwrites a manifest that changed meanwhile, and does not adopt', async () => {
    const { state, deps, manifest } = fakes([staged(version('v2', 'spam'))])
    const rolledBack: ModelManifest = { ...staged(version('v2', 'spam')), pending: null }
    state.beforeWrite = () => state.stored.set('m', { manifest: rolledBack, etag: 'by-rollback' })
    expect(await rollOut('m', deps)).toEqual({ id: 'm', status: 'conflict', version: 'v2' })
    expect(manifest()).toEqual(rolledBack)
    expect(state.adopted).toEqual([])
    expect(state.released).toEqual(['v2'])
  })

  it('does nothing without a pending version', async () => {
    const { state, deps } = fakes([{ ...staged(version('v2', 'spam')), pending: null }])
    expect(await rollOut('m', deps)).toEqual({ id: 'm', status: 'idle' })
    expect(state.sessions).toBe(0)
  })
})

describe('rollOutAll', () => {
  it('visits every model, one failure not stopping the others', async () => {
    const { state, deps, manifest } = fakes([staged(version('v2', 'ham'), 'a'), staged(version('v2', 'spam'), 'b')])
    const outcomes = await rollOutAll(deps)
    expect(outcomes.map((o) => [o.id, o.status])).toEqual([
      ['a', 'failed'],
      ['b', 'activated'],
    ])
    expect(manifest('a').active).toBe('v1')
    expect(manifest('b').active).toBe('v2')
    expect(state.sessions).toBe(2)
  })
})
