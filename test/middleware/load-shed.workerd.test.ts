/**
 * Overload and repeated faults (issue #7): past MAX_IN_FLIGHT classify
 * requests an isolate sheds with 429 and Retry-After; a model whose cold load
 * failed answers that failure again, with Retry-After, for
 * FAILED_LOAD_RETRY_SECONDS without touching storage.
 *
 * Deterministic: requests are held inside a model load by an R2 read that
 * waits on a promise the test opens, and the retry window (60 s) is far
 * longer than the test, so no assertion depends on timing. Recovery after the
 * window is covered with a hand-driven clock in test/models/registry.test.ts.
 */
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { manifestKey } from '../../src/core/schema/keys.ts'
import type { ModelManifest } from '../../src/core/schema/manifest.ts'
import { ALBERT, ELECTRA } from '../support/fixture-models.ts'
import { ok, problem } from '../support/http.ts'
import { seedModels } from '../support/seed.ts'
import { faultyEnv } from '../support/faulty-env.ts'
import { firstVersion } from '../support/model-version.ts'

// Set on the file's first request, so this isolate's registry keeps a failed cold load for 60 s.
const w = faultyEnv({ FAILED_LOAD_RETRY_SECONDS: '60' })
let electra: ModelManifest

const first = firstVersion

const classify = (id: string, cap?: string, body: unknown = { inputs: 'Win a FREE cruise now' }) =>
  w.post(`/v1/models/${id}/classify`, body, cap === undefined ? {} : { MAX_IN_FLIGHT: cap })

/** A copy of the ELECTRA manifest under another id: a cold model for this isolate. */
async function electraCopy(id: string): Promise<void> {
  await env.MODELS.put(manifestKey(id), JSON.stringify({ ...structuredClone(electra), id }))
}

/** Resolves once `n` of `promises` have settled, or after `boundMs` (a bound on a broken build, not a timing assertion). */
function settled(promises: Promise<unknown>[], n: number, boundMs: number): Promise<void> {
  return new Promise((resolve) => {
    let count = 0
    const timer = setTimeout(resolve, boundMs)
    for (const p of promises) {
      void p.finally(() => {
        if (++count === n) {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  })
}

beforeAll(async () => {
  const manifests = await seedModels()
  const found = manifests.find((m) => m.id === ELECTRA.id)
  if (!found) throw new Error('electra fixture missing')
  electra = found
  // The isolate's first request creates the registry with this file's vars; both fixtures warm.
  for (const id of [ELECTRA.id, ALBERT.id]) expect((await classify(id)).status).toBe(200)
})

describe('load shedding (MAX_IN_FLIGHT)', () => {
  it('past the cap: 429 limit_exceeded with Retry-After, before the body is read; the requests inside all succeed', async () => {
    await electraCopy('electra-held')
    let open = () => {}
    w.faults.r2Hold.set(manifestKey('electra-held'), new Promise<void>((r) => (open = r)))
    // Cap 2: whichever two requests enter first wait in the held load; the other five are over the cap,
    // including one for a warm model (the cap is per isolate) and a malformed body (shed before parsing).
    const held = Array.from({ length: 5 }, () => classify('electra-held', '2'))
    const warm = classify(ELECTRA.id, '2')
    const malformed = classify('electra-held', '2', '{"inputs": ')
    const all = [...held, warm, malformed]
    await settled(all, 5, 20_000)
    open()
    const answers = await Promise.all(all)
    const statuses = answers.map((r) => r.status)
    expect(statuses.filter((s) => s === 429)).toHaveLength(5)
    expect(statuses.filter((s) => s === 200)).toHaveLength(2)
    for (const res of answers.filter((r) => r.status === 429)) {
      expect(res.headers.get('Retry-After')).toBe('1')
      const p = await problem(res, 429)
      expect(p).toMatchObject({ limit: 'MAX_IN_FLIGHT', max: 2 })
      expect(p.type).toContain('limit_exceeded')
      expect(p.detail).toContain('MAX_IN_FLIGHT (2)')
    }
    // Each request that got in left again: the next ones are served.
    expect((await classify(ELECTRA.id, '2')).status).toBe(200)
    expect((await classify('electra-held', '1')).status).toBe(200)
  })

  it('0 turns the cap off; a bad value is a 500 naming the var', async () => {
    await electraCopy('electra-uncapped')
    let open = () => {}
    w.faults.r2Hold.set(manifestKey('electra-uncapped'), new Promise<void>((r) => (open = r)))
    const held = Array.from({ length: 3 }, () => classify('electra-uncapped', '0'))
    // With no cap, nothing comes back while the load is held.
    await settled(held, 1, 200)
    open()
    for (const res of await Promise.all(held)) expect(res.status).toBe(200)
    const p = await problem(await classify(ELECTRA.id, '-1'), 500)
    expect(p.detail).toContain('MAX_IN_FLIGHT')
  })
})

describe('a failed cold load is kept for FAILED_LOAD_RETRY_SECONDS', () => {
  it('answers the recorded failure with Retry-After and reads nothing until the window ends; other models serve', async () => {
    await electraCopy('electra-backoff')
    w.faults.r2Get.add(first(electra).weights.key)
    w.r2Reads.length = 0
    const firstAnswer = await problem(await classify('electra-backoff'), 503)
    expect(firstAnswer.type).toContain('storage_unavailable')
    expect(w.r2Reads).toEqual([manifestKey('electra-backoff'), first(electra).weights.key])

    // The fault is gone, but this isolate does not look again within the window: no R2 read at all.
    w.clear()
    for (let i = 0; i < 3; i++) {
      const res = await classify('electra-backoff')
      const retryAfter = Number(res.headers.get('Retry-After'))
      expect(retryAfter).toBeGreaterThanOrEqual(1)
      expect(retryAfter).toBeLessThanOrEqual(60)
      const p = await problem(res, 503)
      expect(p).toMatchObject({ model: 'electra-backoff' })
      expect(p.type).toBe(firstAnswer.type)
      expect(p.detail).toContain(firstAnswer.detail)
      expect(p.detail).toContain('retries the load in')
    }
    // Every route that loads the model says when to come back, not only classify.
    const tokenized = await w.call('/v1/models/electra-backoff/tokenize', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: 'hi' }),
    })
    expect(Number(tokenized.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1)
    await problem(tokenized, 503)
    expect(w.r2Reads).toHaveLength(2)
    const status = await (await ok(await w.api().v1.models[':id'].$get({ param: { id: 'electra-backoff' } }))).json()
    expect(status).toMatchObject({ loaded: false, last_failure: { type: 'storage_unavailable' } })
    for (const id of [ELECTRA.id, ALBERT.id]) expect((await classify(id)).status, id).toBe(200)
  })

  it('an id with no manifest is not kept: a model published right after a 404 serves at once', async () => {
    await problem(await classify('electra-later'), 404)
    await electraCopy('electra-later')
    expect((await classify('electra-later')).status).toBe(200)
  })
})
