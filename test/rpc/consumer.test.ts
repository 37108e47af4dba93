/**
 * The Classifier entrypoint across a real service binding: three Workers in
 * one workerd (Miniflare's `workers`, from Node): edge-classify as built for
 * deploy, the example consumer (docs/examples/consumer/) and a probe that
 * calls any method of its CLASSIFIER binding and reports the answer or the
 * error's name and message as they arrived.
 *
 * Why Miniflare and not the workerd project's pool: the pool's auxiliary
 * Workers must be built JavaScript and cannot read wrangler files, and three
 * or more real ones have been reported to crash; here both Workers are
 * bundled by wrangler from their own wrangler.toml, and the bindings come
 * from those files too.
 */
import { mkdir, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { convertV4MiniflareOptions, Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { unstable_readConfig } from 'wrangler'
import { artifactsDir, repoRoot } from '../../scripts/paths.ts'
import { CLASSIFIER_ERROR, problemOf } from '../../src/rpc/problem.ts'
import type { ClassifierProblem } from '../../src/rpc/problem.ts'
import type { ClassifyResult, ModelDetail, ModelList, TokenizeResult } from '../../src/rpc/types.ts'
import { manifestKey } from '../../src/core/schema/keys.ts'
import type { ModelManifest } from '../../src/core/schema/manifest.ts'
import { buildFixture } from '../support/build-fixture.ts'
import { ALBERT, ELECTRA, FIXTURE_MODELS } from '../support/fixture-models.ts'
import { bundle, bundleModules, PROBE } from '../support/miniflare.ts'

const BROKEN = 'broken-weights'
const workDir = join(artifactsDir, `rpc-test-${process.pid}`)
const consumerDir = join(repoRoot, 'docs', 'examples', 'consumer')

let mf: Miniflare

type Outcome<T> = { value: T; error?: undefined } | { value?: undefined; error: { name: string; message: string } }

/** Calls `method` on the probe's CLASSIFIER binding, across the service binding. */
async function call<T>(method: string, ...args: unknown[]): Promise<Outcome<T>> {
  const res = await mf.dispatchFetch('http://probe.test/', { method: 'POST', body: JSON.stringify({ method, args }) })
  return (await res.json()) as Outcome<T>
}

/** The value of a call that must succeed. */
async function value<T>(method: string, ...args: unknown[]): Promise<T> {
  const out = await call<T>(method, ...args)
  if (out.error) throw new Error(`${method} failed: ${out.error.name}: ${out.error.message}`)
  return out.value
}

/** The problem of a call that must fail, read back the way a consumer reads it. */
async function problem(method: string, ...args: unknown[]): Promise<ClassifierProblem & { errorName: string }> {
  const out = await call(method, ...args)
  if (!out.error) throw new Error(`${method} succeeded: ${JSON.stringify(out.value)}`)
  const arrived = Object.assign(new Error(out.error.message), { name: out.error.name })
  const p = problemOf(arrived)
  if (p === undefined) throw new Error(`${method} failed without a problem: ${out.error.name}: ${out.error.message}`)
  return { ...p, errorName: out.error.name }
}

beforeAll(async () => {
  await mkdir(workDir, { recursive: true })
  const [classifierEntry, consumerEntry] = [
    bundle('wrangler.toml', join(workDir, 'classifier')),
    bundle(join(consumerDir, 'wrangler.toml'), join(workDir, 'consumer')),
  ]
  const built = await Promise.all(FIXTURE_MODELS.map((m) => buildFixture(m, workDir)))

  const classifier = unstable_readConfig({ config: join(repoRoot, 'wrangler.toml') })
  const consumer = unstable_readConfig({ config: join(consumerDir, 'wrangler.toml') })
  const service = consumer.services?.find((s: { binding: string; service: string; entrypoint?: string }) => s.binding === 'CLASSIFIER')
  if (service === undefined || service.service !== classifier.name)
    throw new Error('the consumer must bind CLASSIFIER to the edge-classify Worker')
  const classifierService = { name: service.service, entrypoint: service.entrypoint }

  // Miniflare 5 reads a new options shape; the classic one (name, scriptPath, bindings per Worker) converts.
  mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          name: 'probe',
          modules: true,
          script: PROBE,
          compatibilityDate: consumer.compatibility_date,
          serviceBindings: { CLASSIFIER: classifierService },
          routes: ['probe.test/*'],
        },
        {
          name: consumer.name,
          modules: true,
          scriptPath: consumerEntry,
          compatibilityDate: consumer.compatibility_date,
          // The example asks `albert-spam`; the fixture with spam/ham labels stands in.
          bindings: { ...(consumer.vars as Record<string, string>), MODEL: ELECTRA.id },
          serviceBindings: { CLASSIFIER: classifierService },
          routes: ['consumer.test/*'],
        },
        {
          name: classifier.name,
          // The bundle and the ORT .wasm beside it (wrangler.toml's CompiledWasm rule).
          modules: bundleModules(classifierEntry),
          modulesRoot: dirname(classifierEntry),
          compatibilityDate: classifier.compatibility_date,
          bindings: classifier.vars as Record<string, string>,
          routes: ['edge.test/*'],
          r2Buckets: Object.fromEntries(
            classifier.r2_buckets.map((b: { binding: string; bucket_name?: string }) => [b.binding, b.bucket_name ?? b.binding]),
          ),
          kvNamespaces: Object.fromEntries(
            classifier.kv_namespaces.map((k: { binding: string; id?: string }) => [k.binding, k.id ?? k.binding]),
          ),
        },
      ],
    }),
  )

  // Stored as `publish` stores them: blobs by content hash first, the manifest last.
  const models = await mf.getR2Bucket('MODELS', classifier.name)
  const tokenizers = await mf.getKVNamespace('TOKENIZERS', classifier.name)
  for (const { version, weights, tokenizer } of built) {
    const id = FIXTURE_MODELS.find((m) => m.version === version.version)?.id ?? ''
    await models.put(version.weights.key, weights)
    await tokenizers.put(version.tokenizer.key, tokenizer)
    const manifest: ModelManifest = { id, active: version.version, pending: null, versions: [version], failures: [] }
    await models.put(manifestKey(id), JSON.stringify(manifest))
  }
  // A model whose weights were never stored: its loads fail, and a retry is backed off.
  const [electra] = built
  if (electra === undefined) throw new Error('no ELECTRA fixture')
  const broken = { ...electra.version, weights: { ...electra.version.weights, key: 'weights/never-stored.onnx' } }
  const manifest: ModelManifest = { id: BROKEN, active: broken.version, pending: null, versions: [broken], failures: [] }
  await models.put(manifestKey(BROKEN), JSON.stringify(manifest))
}, 180_000)

afterAll(async () => {
  await mf?.dispose()
  await rm(workDir, { recursive: true, force: true })
})

describe('the Classifier entrypoint over a service binding', () => {
  it('classifies one text and a batch, in the HTTP answer shapes', async () => {
    const one = await value<ClassifyResult>('classify', ELECTRA.id, 'Win a FREE cruise now!')
    expect(one.map((r) => ('label' in r ? r.label : '')).sort()).toEqual(['ham', 'spam'])
    const batch = await value<ClassifyResult>('classify', ALBERT.id, ['you fool', { text: 'a', text_pair: 'b' }], { top_k: 1 })
    expect(batch).toHaveLength(2)
    for (const row of batch) expect(row).toEqual([expect.objectContaining({ label: expect.any(String), score: expect.any(Number) })])
  })

  it('answers as the HTTP routes do, problems included', async () => {
    const http = async (path: string, body: unknown) =>
      (
        await mf.dispatchFetch(`http://edge.test${path}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json()
    const inputs = ['Win a FREE cruise now!', { text: 'lunch?', text_pair: 'noon' }]
    expect(await value('classify', ALBERT.id, inputs, { function_to_apply: 'none' })).toEqual(
      await http(`/v1/models/${ALBERT.id}/classify`, { inputs, parameters: { function_to_apply: 'none' } }),
    )
    expect(await value('tokenize', ELECTRA.id, inputs)).toEqual(await http(`/v1/models/${ELECTRA.id}/tokenize`, { inputs }))
    const { errorName: _, ...rpc } = await problem('classify', ELECTRA.id, [], { top_k: 'one' })
    const { instance: __, ...viaHttp } = (await http(`/v1/models/${ELECTRA.id}/classify`, {
      inputs: [],
      parameters: { top_k: 'one' },
    })) as { instance: string }
    expect(rpc).toEqual(viaHttp)
  })

  it('tokenizes with the model tokenizer', async () => {
    const enc = await value<TokenizeResult>('tokenize', ELECTRA.id, 'hello world')
    expect(Array.isArray(enc)).toBe(false)
    if (Array.isArray(enc)) return
    expect(enc.tokens).toEqual(['[CLS]', 'hello', 'world', '[SEP]'])
    expect(enc.ids).toHaveLength(4)
    expect(enc.offsets[1]).toEqual([0, 5])
  })

  it('lists the models and describes one', async () => {
    const { models } = await value<ModelList>('models')
    expect(models.map((m) => m.id).sort()).toEqual([ALBERT.id, BROKEN, ELECTRA.id].sort())
    const detail = await value<ModelDetail>('model', ALBERT.id)
    expect(detail).toMatchObject({ id: ALBERT.id, version: ALBERT.version, labels: ['toxic', 'obscene', 'insult'], loaded: true })
  })

  it('keeps a validation failure: 422 invalid_request with the invalid fields', async () => {
    const p = await problem('classify', ELECTRA.id, '', { top_k: 0 })
    expect(p.errorName).toBe(CLASSIFIER_ERROR)
    expect(p).toMatchObject({ type: 'urn:edge-classify:problem:invalid_request', status: 422, title: 'Invalid request' })
    expect(p.errors?.map((e) => e.path).sort()).toEqual(['inputs', 'parameters.top_k'])
  })

  it('keeps a missing model: 404 not_found naming it, and a malformed id', async () => {
    const missing = await problem('classify', 'nope', 'x')
    expect(missing).toMatchObject({ type: 'urn:edge-classify:problem:not_found', status: 404, model: 'nope' })
    expect(missing.detail).toMatch(/nope/)
    const malformed = await problem('model', 'Not An Id')
    expect(malformed).toMatchObject({ type: 'urn:edge-classify:problem:not_found', status: 404 })
  })

  it('keeps an unavailable model: 503 model_unavailable, with the Retry-After as retry_after', async () => {
    const first = await problem('classify', BROKEN, 'x')
    expect(first).toMatchObject({ type: 'urn:edge-classify:problem:model_unavailable', status: 503, model: BROKEN })
    const again = await problem('classify', BROKEN, 'x')
    expect(again).toMatchObject({ status: 503, model: BROKEN, retry_after: expect.any(Number) })
    expect(again.retry_after).toBeGreaterThan(0)
  })

  it('holds the HTTP limits: MAX_BATCH, MAX_LENGTH and MAX_BODY_BYTES', async () => {
    const batch = await problem(
      'classify',
      ELECTRA.id,
      Array.from({ length: 17 }, () => 'x'),
    )
    expect(batch).toMatchObject({ type: 'urn:edge-classify:problem:limit_exceeded', status: 413, limit: 'MAX_BATCH', max: 16 })
    const length = await problem('tokenize', ELECTRA.id, 'x', { max_length: 65 })
    expect(length).toMatchObject({ status: 422, limit: 'max_length', max: ELECTRA.max_length })
    // Within MAX_BATCH and MAX_INPUT_CHARS, but 3 UTF-8 bytes a character: over MAX_BODY_BYTES as JSON.
    const body = await problem(
      'classify',
      ELECTRA.id,
      Array.from({ length: 16 }, () => '€'.repeat(9_000)),
    )
    expect(body).toMatchObject({ type: 'urn:edge-classify:problem:payload_too_large', status: 413, limit: 'MAX_BODY_BYTES' })
  })
})

describe('the example consumer (docs/examples/consumer)', () => {
  const consumerFetch = (init: { method: string; body?: string }, path = '/') => mf.dispatchFetch(`http://consumer.test${path}`, init)

  it('classifies a text over RPC', async () => {
    const res = await consumerFetch({ method: 'POST', body: 'WINNER!! Claim your FREE prize now' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ spam: expect.any(Boolean), score: expect.any(Number) })
  })

  it('lists the models over RPC', async () => {
    const res = await consumerFetch({ method: 'GET' }, '/models')
    expect((await res.json()) as string[]).toEqual(expect.arrayContaining([ELECTRA.id, ALBERT.id]))
  })

  it('passes a problem on with its status', async () => {
    const res = await consumerFetch({ method: 'POST', body: '' })
    expect(res.status).toBe(422)
    expect(res.headers.get('Content-Type')).toBe('application/problem+json')
    expect(await res.json()).toMatchObject({ type: 'urn:edge-classify:problem:invalid_request', status: 422 })
  })
})
