/**
 * The cron's verified activation in real workerd with the pipeline-built
 * fixture models (issue #5): a staged version is rolled out only after its
 * sha256, tokenizer, session and smoke cases check out; each kind of broken
 * version leaves the old one serving, is recorded in the manifest and shown
 * by GET /v1/models/{id}, and is not retried on the next tick.
 *
 * Each test stages the versions it ticks under model ids of its own; only
 * the /readyz test edits ELECTRA's (a default model, which /readyz reports).
 * The cron's memory while it swaps a full-size model is
 * rollout-memory.workerd.test.ts, in an isolate of its own.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import worker from '../../src/index.ts'
import { manifestKey } from '../../src/core/schema/keys.ts'
import type { ModelManifest, ModelVersion } from '../../src/core/schema/manifest.ts'
import { rollback } from '../../src/core/schema/transitions.ts'
import { readManifest, readManifestForUpdate, writeManifest } from '../../src/storage/r2.ts'
import { ELECTRA, ELECTRA_V2 } from '../support/fixture-models.ts'
import { fixture } from '../support/fixtures.ts'
import { api, ok, untilServed } from '../support/http.ts'
import { electraV2, seedManifest, seedModels } from '../support/seed.ts'

let v1: ModelManifest
let v2: ModelVersion

beforeAll(async () => {
  const found = (await seedModels()).find((m) => m.id === ELECTRA.id)
  if (!found) throw new Error('electra fixture missing')
  v1 = found
  v2 = await electraV2()
  if (v2.smoke.length === 0) throw new Error('the v2 fixture has no smoke cases; rebuild the fixtures')
})

afterEach(() => {
  vi.restoreAllMocks()
})

/** Runs one cron tick to completion; returns the activation outcomes it logged. */
async function tick(): Promise<Array<Record<string, unknown>>> {
  const logged: string[] = []
  const capture = (line: unknown) => {
    if (typeof line === 'string' && line.startsWith('{"event":"activation"')) logged.push(line)
  }
  vi.spyOn(console, 'log').mockImplementation(capture)
  vi.spyOn(console, 'warn').mockImplementation(capture)
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ cron: '*/5 * * * *' }), env, ctx)
  await waitOnExecutionContext(ctx)
  vi.restoreAllMocks()
  return logged.map((l) => JSON.parse(l) as Record<string, unknown>)
}

/** The ELECTRA fixture under `id`, v1 active and an edited copy of v2 pending. */
async function stage(id: string, edit: (v: ModelVersion) => void = () => {}): Promise<void> {
  const next = structuredClone(v2)
  edit(next)
  await seedManifest({ ...v1, id, active: v1.active, pending: v2.version, versions: [v2, ...v1.versions] })
  // seedManifest uploads the blobs the unedited version names; the edited one goes in last.
  await env.MODELS.put(manifestKey(id), JSON.stringify({ ...v1, id, pending: next.version, versions: [next, ...v1.versions] }))
}

const classify = (id: string) => api.v1.models[':id'].classify.$post({ param: { id }, json: { inputs: 'Win a FREE cruise now' } })
const detail = async (id: string) => (await ok(await api.v1.models[':id'].$get({ param: { id } }))).json()

/** The ELECTRA fixture under `id` with v1 active, served (so loaded) by this isolate. */
async function serving(id: string): Promise<void> {
  await seedManifest({ ...v1, id })
  expect((await classify(id)).headers.get('X-Model-Version')).toBe(ELECTRA.version)
}

describe('a staged version', () => {
  it('is rolled out by the cron once it passes, and handed to the running registry', async () => {
    const id = 'electra-adopted'
    await serving(id)
    await seedManifest({ ...v1, id, pending: v2.version, versions: [v2, ...v1.versions] })
    // Staged is not served.
    expect((await classify(id)).headers.get('X-Model-Version')).toBe(ELECTRA.version)

    const outcomes = await tick()
    expect(outcomes).toContainEqual(
      expect.objectContaining({ id, status: 'activated', version: ELECTRA_V2.version, previous: ELECTRA.version, adopted: true }),
    )
    expect(await readManifest(env.MODELS, id)).toMatchObject({ active: ELECTRA_V2.version, pending: null, failures: [] })
    const res = await classify(id)
    expect(res.status).toBe(200)
    expect(res.headers.get('X-Model-Version')).toBe(ELECTRA_V2.version)
    // The smoke-tested session was adopted: this isolate loaded v2 once, not twice.
    expect(await detail(id)).toMatchObject({ version: ELECTRA_V2.version, pending: null, loads: 2 })
    // Nothing left to do on the next tick.
    expect((await tick()).filter((o) => o.id === id)).toEqual([])
  })

  it('of a model this isolate does not serve is activated, and its session released rather than kept here', async () => {
    await stage('electra-cold')
    expect(await tick()).toContainEqual(expect.objectContaining({ id: 'electra-cold', status: 'activated', adopted: false }))
    expect(await detail('electra-cold')).toMatchObject({ version: ELECTRA_V2.version, loaded: false, loads: 0 })
  })

  it('is taken back by a rollback, which the cron does not undo', async () => {
    const id = 'electra-rollback'
    await serving(id)
    await stage(id)
    expect(await tick()).toContainEqual(expect.objectContaining({ id, status: 'activated', adopted: true }))
    expect((await classify(id)).headers.get('X-Model-Version')).toBe(ELECTRA_V2.version)

    const stored = await readManifest(env.MODELS, id)
    await env.MODELS.put(manifestKey(id), JSON.stringify(rollback(stored)))
    // Serving isolates pick it up on their next background manifest check (TTL 0 here), never mid-request.
    expect(await untilServed(ELECTRA.version, 20, () => classify(id))).toBe(ELECTRA.version)
    await tick()
    expect(await readManifest(env.MODELS, id)).toMatchObject({ active: ELECTRA.version, pending: null })
    expect((await classify(id)).headers.get('X-Model-Version')).toBe(ELECTRA.version)
  })

  it('that fails is reported by /readyz, which stays ready on the old version', async () => {
    // /readyz reports the default models, so this one stages on ELECTRA itself.
    await stage(ELECTRA.id, (v) => {
      v.smoke = v.smoke.map((c) => ({ ...c, label: c.label === 'spam' ? 'ham' : 'spam' }))
    })
    expect(await tick()).toContainEqual(expect.objectContaining({ id: ELECTRA.id, status: 'failed' }))
    // /readyz shows what this isolate's last manifest check saw (a TTL old at most; 0 here, so the next call).
    const readyModel = async () => {
      const res = await api.readyz.$get()
      expect(res.status).toBe(200)
      return (await (await ok(res)).json()).models[ELECTRA.id]
    }
    let ready = await readyModel()
    for (let i = 0; i < 5 && !ready?.activation_failure; i++) ready = await readyModel()
    expect(ready).toMatchObject({
      version: ELECTRA.version,
      pending: ELECTRA_V2.version,
      activation_failure: { reason: expect.stringMatching(/^smoke_failed: /) },
    })
  })
})

describe('a broken staged version', () => {
  /** Each kind of broken version, under ids (and a missing blob) of the calling test's own. */
  const brokenFor = (suffix: string): Record<string, { type: string; edit: (v: ModelVersion) => void }> => ({
    [`electra-corrupt-${suffix}`]: {
      type: 'corrupt',
      edit: (v) => {
        v.weights.key = 'blobs/sha256/tampered.onnx'
      },
    },
    [`electra-missing-weights-${suffix}`]: {
      type: 'missing_blob',
      edit: (v) => {
        v.weights.key = `blobs/sha256/never-uploaded-${suffix}.onnx`
      },
    },
    [`electra-missing-tokenizer-${suffix}`]: {
      type: 'missing_blob',
      edit: (v) => {
        v.tokenizer = { ...v.tokenizer, key: 'tokenizer/sha256/never-uploaded', sha256: 'c'.repeat(64) }
      },
    },
    [`electra-smoke-${suffix}`]: {
      type: 'smoke_failed',
      edit: (v) => {
        v.smoke = v.smoke.map((c) => ({ ...c, label: c.label === 'spam' ? 'ham' : 'spam' }))
      },
    },
  })

  /** Stages every kind of broken version; returns them by id. */
  async function stageBroken(suffix: string) {
    const broken = brokenFor(suffix)
    for (const [id, { edit }] of Object.entries(broken)) await stage(id, edit)
    return broken
  }

  beforeAll(async () => {
    const bytes = await fixture(`${v2.weights.sha256}.onnx`)
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff
    await env.MODELS.put('blobs/sha256/tampered.onnx', bytes)
  })

  it('leaves the old version serving and records why, shown by GET /v1/models/{id}', async () => {
    const broken = await stageBroken('first')
    const outcomes = await tick()
    for (const [id, { type }] of Object.entries(broken)) {
      expect(outcomes, id).toContainEqual(expect.objectContaining({ id, status: 'failed', version: ELECTRA_V2.version, attempts: 1 }))
      const m = await readManifest(env.MODELS, id)
      expect(m, id).toMatchObject({ active: ELECTRA.version, pending: ELECTRA_V2.version })
      const shown = await detail(id)
      expect(shown, id).toMatchObject({ version: ELECTRA.version, pending: ELECTRA_V2.version })
      expect(shown.activation_failures, id).toEqual([
        {
          version: ELECTRA_V2.version,
          reason: expect.stringMatching(new RegExp(`^${type}: .*(Re-publish|roll back)`)),
          at: expect.any(String),
          attempts: 1,
        },
      ])
      const res = await classify(id)
      expect(res.status, id).toBe(200)
      expect(res.headers.get('X-Model-Version'), id).toBe(ELECTRA.version)
    }
    expect((await detail('electra-corrupt-first')).activation_failures[0]?.reason).toContain('sha256')
    expect((await detail('electra-missing-tokenizer-first')).activation_failures[0]?.reason).toContain('tokenizer')
  })

  it('is not retried on the next tick, only once its back-off is over', async () => {
    const broken = await stageBroken('retry')
    await tick() // each fails once
    const outcomes = await tick()
    for (const id of Object.keys(broken)) {
      expect(outcomes, id).toContainEqual(expect.objectContaining({ id, status: 'backing_off', version: ELECTRA_V2.version }))
      expect((await readManifest(env.MODELS, id)).failures[0]?.attempts, id).toBe(1)
    }
    // As if an hour had passed since the failure.
    const m = await readManifest(env.MODELS, 'electra-smoke-retry')
    const earlier = m.failures.map((f) => ({ ...f, at: new Date(Date.now() - 3_600_000).toISOString() }))
    await env.MODELS.put(manifestKey('electra-smoke-retry'), JSON.stringify({ ...m, failures: earlier }))
    const retried = await tick()
    expect(retried).toContainEqual(expect.objectContaining({ id: 'electra-smoke-retry', status: 'failed', attempts: 2 }))
    expect(retried).toContainEqual(expect.objectContaining({ id: 'electra-corrupt-retry', status: 'backing_off' }))
  })

  it('is activated once the missing blob is uploaded and its back-off is over', async () => {
    const id = 'electra-missing-weights-upload'
    const missing = brokenFor('upload')[id]
    if (missing === undefined) throw new Error(`no broken version ${id}`)
    await stage(id, missing.edit)
    expect(await tick()).toContainEqual(expect.objectContaining({ id, status: 'failed', attempts: 1 }))
    await env.MODELS.put('blobs/sha256/never-uploaded-upload.onnx', await fixture(`${v2.weights.sha256}.onnx`))
    const m = await readManifest(env.MODELS, id)
    await env.MODELS.put(
      manifestKey(id),
      JSON.stringify({ ...m, failures: m.failures.map((f) => ({ ...f, at: '2026-01-01T00:00:00.000Z' })) }),
    )
    expect(await tick()).toContainEqual(expect.objectContaining({ id, status: 'activated', version: ELECTRA_V2.version }))
    expect(await readManifest(env.MODELS, id)).toMatchObject({ active: ELECTRA_V2.version, pending: null, failures: [] })
    expect((await classify(id)).headers.get('X-Model-Version')).toBe(ELECTRA_V2.version)
  })
})

describe('the manifest write', () => {
  it('is conditional: a manifest changed since the read is never overwritten', async () => {
    const id = 'electra-conditional'
    await seedManifest({ ...v1, id })
    const read = await readManifestForUpdate(env.MODELS, id)
    const published = { ...read.manifest, pending: v2.version, versions: [v2, ...read.manifest.versions] }
    await env.MODELS.put(manifestKey(id), JSON.stringify(published))
    expect(await writeManifest(env.MODELS, { ...read.manifest, failures: [] }, read.etag)).toBe(false)
    expect(await readManifest(env.MODELS, id)).toEqual(published)
    const fresh = await readManifestForUpdate(env.MODELS, id)
    expect(await writeManifest(env.MODELS, { ...fresh.manifest, pending: null }, fresh.etag)).toBe(true)
    expect((await readManifest(env.MODELS, id)).pending).toBeNull()
  })
})
