/**
 * The suite in real workerd: the router and two model Workers, each bundled
 * from the configs the catalogue generates (scripts/suite.ts), in one
 * Miniflare with the R2/KV they share, plus a probe Worker that binds the
 * router's Classifier entrypoint as a user's Worker would.
 */
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { convertV4MiniflareOptions, Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SUITE } from '../../scripts/catalogue.ts'
import { artifactsDir } from '../../scripts/paths.ts'
import type { BuiltVersion } from '../../scripts/publish/index.ts'
import { writeSuiteConfigs } from '../../scripts/suite.ts'
import { manifestKey } from '../../src/core/schema/keys.ts'
import type { ModelManifest } from '../../src/core/schema/manifest.ts'
import type { Problem } from '../../src/core/schema/problem.ts'
import { problemOf } from '../../src/rpc/problem.ts'
import { ALBERT, ELECTRA, FIXTURE_MODELS } from '../support/fixture-models.ts'
import { buildFixture } from '../support/build-fixture.ts'
import { PROBE, workerOptions } from '../support/miniflare.ts'

const workDir = join(artifactsDir, `suite-test-${process.pid}`)
const [first, second] = SUITE.workers
if (first === undefined || second === undefined) throw new Error('the suite needs two model Workers')
const BROKEN = 'broken-weights'
const STAGED = 'staged-albert'
const ORPHAN = 'placed-nowhere'

let mf: Miniflare
const get = (path: string) => mf.dispatchFetch(`http://router.test${path}`)
const post = (path: string, body: unknown) =>
  mf.dispatchFetch(`http://router.test${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

async function problem(res: Awaited<ReturnType<typeof get>>, status: number): Promise<Problem> {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  return (await res.json()) as Problem
}

beforeAll(async () => {
  await mkdir(workDir, { recursive: true })
  const [routerConfig, firstConfig, secondConfig] = await writeSuiteConfigs(join(workDir, 'configs'))
  if (routerConfig === undefined || firstConfig === undefined || secondConfig === undefined) throw new Error('expected three configs')
  const built = await Promise.all(FIXTURE_MODELS.map((m) => buildFixture(m, workDir)))
  const vars = { MANIFEST_TTL_SECONDS: '0', FAILED_LOAD_RETRY_SECONDS: '5' }
  mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        workerOptions(routerConfig, join(workDir, 'router'), vars, ['router.test/*']),
        workerOptions(firstConfig, join(workDir, 'first'), { ...vars, DEFAULT_MODELS: ELECTRA.id }),
        workerOptions(secondConfig, join(workDir, 'second'), { ...vars, DEFAULT_MODELS: ALBERT.id }),
        {
          name: 'probe',
          modules: true,
          script: PROBE,
          compatibilityDate: '2026-10-01',
          serviceBindings: { CLASSIFIER: { name: SUITE.router, entrypoint: 'Classifier' } },
          routes: ['probe.test/*'],
        },
      ],
    }),
  )
  // Stored as `publish` stores them: blobs first, the manifest last, naming the Worker that serves the model.
  const models = await mf.getR2Bucket('MODELS', SUITE.router)
  const tokenizers = await mf.getKVNamespace('TOKENIZERS', first.name)
  const store = async (id: string, version: BuiltVersion['version'], worker: string | undefined) => {
    const manifest: ModelManifest = {
      id,
      ...(worker === undefined ? {} : { worker }),
      active: version.version,
      pending: null,
      versions: [version],
      failures: [],
    }
    await models.put(manifestKey(id), JSON.stringify(manifest))
  }
  for (const { version, weights, tokenizer } of built) {
    await models.put(version.weights.key, weights)
    await tokenizers.put(version.tokenizer.key, tokenizer)
  }
  const [electra, albert] = built
  if (electra === undefined || albert === undefined) throw new Error('fixtures missing')
  await store(ELECTRA.id, electra.version, undefined) // no worker named: the first serves it
  await store(ALBERT.id, albert.version, second.name)
  await store(BROKEN, { ...albert.version, weights: { ...albert.version.weights, key: 'weights/never-stored.onnx' } }, second.name)
  await store(ORPHAN, electra.version, 'edge-classify-gone')
  // Served at its first version, with a second one pending for the cron.
  const pending = { ...albert.version, version: `${albert.version.version}-next` }
  const staged: ModelManifest = {
    id: STAGED,
    worker: second.name,
    active: albert.version.version,
    pending: pending.version,
    versions: [pending, albert.version],
    failures: [],
  }
  await models.put(manifestKey(STAGED), JSON.stringify(staged))
}, 240_000)

afterAll(async () => {
  await mf?.dispose()
  await rm(workDir, { recursive: true, force: true })
})

describe('the router', () => {
  it('sends each model to the Worker that serves it, with the HTTP answer, version and timing of one Worker', async () => {
    for (const [model, worker] of [
      [ELECTRA, first.name],
      [ALBERT, second.name],
    ] as const) {
      const res = await post(`/v1/models/${model.id}/classify`, { inputs: ['free money, click now', 'see you at lunch'] })
      expect(res.status).toBe(200)
      expect(res.headers.get('x-model-version')).toBe(model.version)
      expect(res.headers.get('server-timing')).toMatch(/load;dur=.*tokenize;dur=.*infer;dur=/)
      const body = (await res.json()) as Array<Array<{ label: string; score: number }>>
      expect(body).toHaveLength(2)
      expect(body[0]?.map((s) => s.label).sort()).toEqual(Object.values(model.id2label).sort())
      const detail = (await (await get(`/v1/models/${model.id}`)).json()) as {
        loaded: boolean
        isolate: { name: string; models: Array<{ id: string }> }
      }
      expect(detail.isolate.name).toBe(worker)
      expect(detail.loaded).toBe(true)
      expect(detail.isolate.models.map((m) => m.id)).toContain(model.id)
    }
    const tokens = await post(`/v1/models/${ALBERT.id}/tokenize`, { inputs: 'hello world' })
    expect(tokens.status).toBe(200)
    expect(((await tokens.json()) as { ids: number[] }).ids.length).toBeGreaterThan(2)
  })

  it('reports each model Worker on /readyz: its Wasm memory, its budget and the models it holds', async () => {
    const res = await get('/readyz')
    expect(res.status).toBe(200)
    const ready = (await res.json()) as {
      models: Record<string, unknown>
      isolates: Array<{ name: string; wasm_memory_bytes: number; budget_bytes: number; models: Array<{ id: string }> }>
    }
    expect(Object.keys(ready.models).sort()).toEqual([ALBERT.id, ELECTRA.id].sort())
    expect(ready.isolates.map((i) => i.name)).toEqual([first.name, second.name])
    for (const isolate of ready.isolates) {
      expect(isolate.wasm_memory_bytes).toBeGreaterThan(0)
      expect(isolate.wasm_memory_bytes).toBeLessThanOrEqual(isolate.budget_bytes)
    }
    expect(ready.isolates[0]?.models.map((m) => m.id)).toEqual([ELECTRA.id])
    expect(ready.isolates[1]?.models.map((m) => m.id)).toEqual([ALBERT.id])
  })

  it("answers a model Worker's problem as that Worker would: status, type, model and Retry-After", async () => {
    const res = await post(`/v1/models/${BROKEN}/classify`, { inputs: 'hi' })
    const p = await problem(res, 503)
    expect(p).toMatchObject({
      type: 'urn:edge-classify:problem:model_unavailable',
      model: BROKEN,
      instance: `/v1/models/${BROKEN}/classify`,
    })
    expect(p.detail).toMatch(/missing from R2/)
    // The second request is answered from the model Worker's back-off, with the seconds left.
    const again = await post(`/v1/models/${BROKEN}/classify`, { inputs: 'hi' })
    expect(again.status).toBe(503)
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('validates, limits and refuses unknown models itself', async () => {
    expect((await problem(await post('/v1/models/nope/classify', { inputs: 'x' }), 404)).model).toBe('nope')
    const invalid = await problem(await post(`/v1/models/${ELECTRA.id}/classify`, { inputs: 'x', parameters: { top_k: 'two' } }), 422)
    expect(invalid.errors?.[0]?.path).toBe('parameters.top_k')
    const batch = await problem(await post(`/v1/models/${ELECTRA.id}/classify`, { inputs: Array.from({ length: 17 }, () => 'x') }), 413)
    expect(batch.limit).toBe('MAX_BATCH')
  })

  it('names the fix for a model placed on a Worker it does not bind', async () => {
    const p = await problem(await post(`/v1/models/${ORPHAN}/classify`, { inputs: 'x' }), 500)
    expect(p.detail).toMatch(/edge-classify-gone.*MODEL_WORKERS.*--worker/)
  })

  it('lists every model with the load state of the Worker that serves it', async () => {
    const list = (await (await get('/v1/models')).json()) as { models: Array<{ id: string; worker: string | null; loaded: boolean }> }
    const byId = Object.fromEntries(list.models.map((m) => [m.id, m]))
    expect(byId[ELECTRA.id]).toMatchObject({ worker: null, loaded: true })
    expect(byId[ALBERT.id]).toMatchObject({ worker: second.name, loaded: true })
  })
})

describe("the router's scheduled handler", () => {
  it("runs every model Worker's tick, which rolls out a pending version on the Worker that serves it", async () => {
    const before = await post(`/v1/models/${STAGED}/classify`, { inputs: 'hi' })
    expect(before.headers.get('x-model-version')).toBe(ALBERT.version)
    const router = await mf.getWorker(SUITE.router)
    await router.scheduled({ cron: '*/5 * * * *' })
    const detail = (await (await get(`/v1/models/${STAGED}`)).json()) as {
      version: string
      pending: string | null
      isolate: { name: string }
    }
    expect(detail).toMatchObject({ version: `${ALBERT.version}-next`, pending: null, isolate: { name: second.name } })
    const after = await post(`/v1/models/${STAGED}/classify`, { inputs: 'hi' })
    expect(after.status).toBe(200)
  })
})

describe("the router's Classifier entrypoint", () => {
  const call = async (method: string, ...args: unknown[]) => {
    const res = await mf.dispatchFetch('http://probe.test/', { method: 'POST', body: JSON.stringify({ method, args }) })
    return (await res.json()) as { value?: unknown; error?: { name: string; message: string } }
  }

  it('classifies over RPC on the model Worker that serves the model, and passes problems on', async () => {
    const ok = await call('classify', ALBERT.id, 'free money')
    expect(ok.error).toBeUndefined()
    expect((ok.value as Array<{ label: string }>).map((s) => s.label).sort()).toEqual(Object.values(ALBERT.id2label).sort())
    const failed = await call('classify', BROKEN, 'hi')
    const p = problemOf(Object.assign(new Error(failed.error?.message ?? ''), { name: failed.error?.name ?? '' }))
    expect(p).toMatchObject({ status: 503, type: 'urn:edge-classify:problem:model_unavailable', model: BROKEN })
  })
})
