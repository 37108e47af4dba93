import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { manifestKey } from '../../src/core/schema/keys.ts'
import { ALBERT, ELECTRA } from '../support/fixture-models.ts'
import { api, ok, problem } from '../support/http.ts'
import { fixtureManifests, seedManifest } from '../support/seed.ts'

describe('GET /healthz', () => {
  it('answers while nothing is published', async () => {
    const res = await api.healthz.$get()
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })
})

describe('GET /readyz', () => {
  it('is 503 naming each default model that cannot load, then ready once they are published', async () => {
    const [electra, albert] = await fixtureManifests()
    if (!electra || !albert) throw new Error('fixtures missing')
    await seedManifest(electra)
    await env.MODELS.delete(manifestKey(ALBERT.id))
    const p = await problem(await api.readyz.$get(), 503)
    expect(p.detail).toContain(ALBERT.id)
    expect(p.detail).not.toContain(`${ELECTRA.id}:`)

    await seedManifest(albert)
    const res = await api.readyz.$get()
    expect(res.status).toBe(200)
    expect(await (await ok(res)).json()).toMatchObject({
      status: 'ready',
      models: { [ELECTRA.id]: { version: ELECTRA.version }, [ALBERT.id]: { version: ALBERT.version } },
      wasm_memory_bytes: expect.any(Number),
    })
  })
})
