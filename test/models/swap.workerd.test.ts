/**
 * A new active version is picked up while requests keep flowing: every
 * request succeeds, each answer names the version that produced it, and the
 * new version takes over (issue #2 "kept until the active version changes",
 * issue #7 item 6 "requests racing a version swap all succeed"), whether the
 * manifest was changed by hand or by the cron's verified activation (issue #5).
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { beforeAll, expect, it } from 'vitest'
import { manifestKey } from '../../src/core/schema/keys.ts'
import type { ModelManifest } from '../../src/core/schema/manifest.ts'
import worker from '../../src/index.ts'
import { ALBERT, ELECTRA, ELECTRA_V2 } from '../support/fixture-models.ts'
import { get, post } from '../support/http.ts'
import { electraV2, seedManifest, seedModels } from '../support/seed.ts'

let v1: ModelManifest
beforeAll(async () => {
  const found = (await seedModels()).find((m) => m.id === ELECTRA.id)
  if (!found) throw new Error('electra fixture missing')
  v1 = found
})

const classify = () => post(`/v1/models/${ELECTRA.id}/classify`, { inputs: 'Win a FREE cruise now' })

it('swaps to a newly rolled-out version while concurrent requests all succeed', async () => {
  const first = await classify()
  expect(first.headers.get('X-Model-Version')).toBe(ELECTRA.version)
  const v1Scores = await first.text()

  const v2 = await electraV2()
  await seedManifest({ ...v1, active: v2.version, versions: [v2, ...v1.versions] })

  const seen = new Map<string, string>()
  // Waves of concurrent requests until one answers from v2; bounded, no timing involved.
  for (let wave = 0; wave < 20 && !seen.has(ELECTRA_V2.version); wave++) {
    const responses = await Promise.all(Array.from({ length: 4 }, classify))
    for (const res of responses) {
      expect(res.status).toBe(200)
      seen.set(res.headers.get('X-Model-Version') ?? 'none', await res.text())
    }
  }
  expect(seen.has(ELECTRA_V2.version)).toBe(true)
  // Different weights, different scores: the answer really came from the new session.
  expect(seen.get(ELECTRA_V2.version)).not.toBe(v1Scores)
  const detail = (await (await get(`/v1/models/${ELECTRA.id}`)).json()) as { version: string; loads: number }
  expect(detail).toMatchObject({ version: ELECTRA_V2.version, loads: 2 })

  // Rolling back is just another activation.
  await env.MODELS.put(manifestKey(ELECTRA.id), JSON.stringify({ ...v1, versions: [v2, ...v1.versions] }))
  let back = ''
  for (let i = 0; i < 20 && back !== ELECTRA.version; i++) back = (await classify()).headers.get('X-Model-Version') ?? ''
  expect(back).toBe(ELECTRA.version)
  expect(await (await classify()).text()).toBe(v1Scores)
})

it('the scheduled handler also loads the default models ahead of traffic', async () => {
  const before = (await (await get(`/v1/models/${ALBERT.id}`)).json()) as { loaded: boolean }
  expect(before.loaded).toBe(false)
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ cron: '*/5 * * * *' }), env, ctx)
  await waitOnExecutionContext(ctx)
  const after = (await (await get(`/v1/models/${ALBERT.id}`)).json()) as { loaded: boolean; version: string }
  expect(after).toMatchObject({ loaded: true, version: ALBERT.version })
})

it('requests racing a cron activation all succeed, and the cron swaps the verified session in', async () => {
  const v2 = await electraV2()
  await seedManifest({ ...v1, active: v1.active, pending: v2.version, versions: [v2, ...v1.versions] })
  // Load v1 here first, so the activation really swaps under traffic.
  expect((await classify()).headers.get('X-Model-Version')).toBe(ELECTRA.version)

  const ctx = createExecutionContext()
  const cron = worker.scheduled(createScheduledController({ cron: '*/5 * * * *' }), env, ctx).then(() => waitOnExecutionContext(ctx))
  const racing: Array<Promise<Response>> = []
  let done = false
  void cron.finally(() => {
    done = true
  })
  // Waves of requests while the cron verifies and rolls out v2 (bounded, no timing involved).
  for (let wave = 0; wave < 50 && !done; wave++) {
    const responses = await Promise.all(Array.from({ length: 3 }, classify))
    racing.push(...responses.map((r) => Promise.resolve(r)))
  }
  await cron
  expect(racing.length).toBeGreaterThanOrEqual(3) // at least one wave overlapped the tick
  racing.push(classify())
  const settled = await Promise.all(racing)
  expect(settled.map((r) => r.status).every((s) => s === 200)).toBe(true)
  const versions = new Set(settled.map((r) => r.headers.get('X-Model-Version')))
  expect([...versions].every((v) => v === ELECTRA.version || v === ELECTRA_V2.version)).toBe(true)
  // The request after the tick is already answered by v2: the cron handed its session to the registry.
  expect(settled.at(-1)?.headers.get('X-Model-Version')).toBe(ELECTRA_V2.version)
})
