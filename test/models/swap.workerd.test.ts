/**
 * A new active version is picked up while requests keep flowing: every
 * request succeeds, each answer names the version that produced it, and the
 * new version takes over (issue #2 "kept until the active version changes",
 * issue #7 item 6 "requests racing a version swap all succeed"), whether the
 * manifest was changed by hand or by the cron's verified activation (issue #5).
 *
 * Each test serves the ELECTRA fixture under an id of its own, so the load
 * counts and versions it checks are its own whatever ran before.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { beforeAll, expect, it } from 'vitest'
import { manifestKey } from '../../src/core/schema/keys.ts'
import type { ModelManifest } from '../../src/core/schema/manifest.ts'
import type { Bindings } from '../../src/env.ts'
import worker from '../../src/index.ts'
import { ALBERT, ELECTRA, ELECTRA_V2 } from '../support/fixture-models.ts'
import { api, ok } from '../support/http.ts'
import type { Vars } from '../support/faulty-env.ts'
import { electraV2, fixtureManifests, seedManifest, seedModels } from '../support/seed.ts'

let v1: ModelManifest
beforeAll(async () => {
  const found = (await seedModels()).find((m) => m.id === ELECTRA.id)
  if (!found) throw new Error('electra fixture missing')
  v1 = found
})

/** A classify request for the model `id`. */
const classifier = (id: string) => () => api.v1.models[':id'].classify.$post({ param: { id }, json: { inputs: 'Win a FREE cruise now' } })
const detail = async (id: string) => (await ok(await api.v1.models[':id'].$get({ param: { id } }))).json()

it('swaps to a newly rolled-out version while concurrent requests all succeed', async () => {
  const id = 'electra-swap'
  const classify = classifier(id)
  await seedManifest({ ...v1, id })
  const first = await classify()
  expect(first.headers.get('X-Model-Version')).toBe(ELECTRA.version)
  const v1Scores = await first.text()

  const v2 = await electraV2()
  await seedManifest({ ...v1, id, active: v2.version, versions: [v2, ...v1.versions] })

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
  expect(await detail(id)).toMatchObject({ version: ELECTRA_V2.version, loads: 2 })

  // Rolling back is just another activation.
  await env.MODELS.put(manifestKey(id), JSON.stringify({ ...v1, id, versions: [v2, ...v1.versions] }))
  let back = ''
  for (let i = 0; i < 20 && back !== ELECTRA.version; i++) back = (await classify()).headers.get('X-Model-Version') ?? ''
  expect(back).toBe(ELECTRA.version)
  expect(await (await classify()).text()).toBe(v1Scores)
})

it('the scheduled handler also loads the default models ahead of traffic', async () => {
  // The ALBERT fixture under an id nothing else here requests, made a default model for this tick:
  // every tick pre-loads the configured defaults, so ALBERT itself may be loaded already.
  const id = 'albert-preloaded'
  const albert = (await fixtureManifests()).find((m) => m.id === ALBERT.id)
  if (!albert) throw new Error('albert fixture missing')
  await seedManifest({ ...albert, id })
  expect(await detail(id)).toMatchObject({ loaded: false })
  const ctx = createExecutionContext()
  // (The generated Env types each var as wrangler.toml's literal value, as test/support/faulty-env.ts notes.)
  const vars: Vars = { DEFAULT_MODELS: `${ELECTRA.id},${id}` }
  const bindings = { ...env, ...vars } as Bindings
  await worker.scheduled(createScheduledController({ cron: '*/5 * * * *' }), bindings, ctx)
  await waitOnExecutionContext(ctx)
  expect(await detail(id)).toMatchObject({ loaded: true, version: ALBERT.version })
})

it('requests racing a cron activation all succeed, and the cron swaps the verified session in', async () => {
  const id = 'electra-racing'
  const classify = classifier(id)
  const v2 = await electraV2()
  await seedManifest({ ...v1, id, active: v1.active, pending: v2.version, versions: [v2, ...v1.versions] })
  // Load v1 here first, so the activation really swaps under traffic.
  expect((await classify()).headers.get('X-Model-Version')).toBe(ELECTRA.version)

  const ctx = createExecutionContext()
  const cron = worker.scheduled(createScheduledController({ cron: '*/5 * * * *' }), env, ctx).then(() => waitOnExecutionContext(ctx))
  const racing: Array<ReturnType<typeof classify>> = []
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
