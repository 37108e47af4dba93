/**
 * API keys end to end through the Worker (issue #7 item 1), with the secret
 * set the way `wrangler secret put` sets it: which paths are guarded, 401 vs
 * 403, key rotation, and the key checked before the body is read (so before
 * the limits of test/middleware/limits.workerd.test.ts). The key parsing
 * itself: test/middleware/auth.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { ELECTRA } from '../support/fixture-models.ts'
import { problem } from '../support/http.ts'
import { seedModels } from '../support/seed.ts'
import { faultyEnv } from '../support/faulty-env.ts'
import type { Vars } from '../support/faulty-env.ts'

const w = faultyEnv()
const CLASSIFY = `/v1/models/${ELECTRA.id}/classify`
const keys = { API_KEYS: 'key-one,key-two' }

/** Headers with an optional Authorization header. */
const auth = (authorization?: string): Record<string, string> => (authorization === undefined ? {} : { Authorization: authorization })

/** Classifies 'hi' with ELECTRA under `vars`, through the typed client. */
const classify = (vars: Vars, authorization?: string) =>
  w.api(vars).v1.models[':id'].classify.$post({ param: { id: ELECTRA.id }, json: { inputs: 'hi' } }, { headers: auth(authorization) })

const tokenize = (vars: Vars, authorization?: string) =>
  w.api(vars).v1.models[':id'].tokenize.$post({ param: { id: ELECTRA.id }, json: { inputs: 'hi' } }, { headers: auth(authorization) })

/** POSTs `body` as is (oversized or malformed), which the typed client would not send. */
const sendRaw = (body: string, vars: Vars, authorization?: string) =>
  w.call(CLASSIFY, { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth(authorization) }, body }, vars)

beforeAll(async () => {
  await seedModels()
})

describe('API keys on the Worker', () => {
  it('guards /v1 and /readyz, keeps /healthz and /openapi.json public', async () => {
    const api = w.api(keys)
    expect((await api.v1.models.$get()).status).toBe(401)
    expect((await api.readyz.$get()).status).toBe(401)
    expect((await api.v1.models.$get({}, { headers: auth('Bearer wrong') })).status).toBe(403)
    expect((await api.v1.models.$get({}, { headers: auth('Bearer key-two') })).status).toBe(200)
    expect((await api.healthz.$get()).status).toBe(200)
    // GET /openapi.json is served by `doc31`, outside the typed routes.
    expect((await w.call('/openapi.json', {}, keys)).status).toBe(200)
  })

  it.each([
    ['no header', undefined],
    ['another scheme', 'Basic a2V5LW9uZTo='],
    ['Bearer without a key', 'Bearer '],
    ['two tokens', 'Bearer key-one key-two'],
  ])('401 with a Bearer challenge when no key is sent (%s)', async (_, authorization) => {
    const res = await classify(keys, authorization)
    expect(res.headers.get('WWW-Authenticate')).toContain('Bearer')
    const p = await problem(res, 401)
    expect(p.type).toContain('unauthorized')
    expect(p.detail).toContain('Authorization: Bearer')
  })

  it.each([['wrong'], ['key-on'], ['key-one2'], ['KEY-ONE'], ['key-one,key-two']])(
    '403 for a key that is not configured (%s)',
    async (key) => {
      const p = await problem(await classify(keys, `Bearer ${key}`), 403)
      expect(p.type).toContain('forbidden')
    },
  )

  it("accepts each configured key, whatever the scheme's case, on classify and tokenize", async () => {
    for (const authorization of ['Bearer key-one', 'Bearer key-two', 'bearer key-one', 'Bearer  key-two  ']) {
      expect((await classify(keys, authorization)).status, authorization).toBe(200)
      expect((await tokenize(keys, authorization)).status, authorization).toBe(200)
    }
  })

  it('rotates keys: old and new both work during the overlap, then only the new one', async () => {
    const overlap = { API_KEYS: ' old-key , new-key ' }
    expect((await classify(overlap, 'Bearer old-key')).status).toBe(200)
    expect((await classify(overlap, 'Bearer new-key')).status).toBe(200)
    const after = { API_KEYS: 'new-key' }
    await problem(await classify(after, 'Bearer old-key'), 403)
    expect((await classify(after, 'Bearer new-key')).status).toBe(200)
  })

  it('checks the key before the body: an unauthenticated oversized or malformed body is a 401, not a 413/400', async () => {
    await problem(await sendRaw(JSON.stringify({ inputs: 'a'.repeat(300_000) }), keys), 401)
    await problem(await sendRaw('{not json', keys), 401)
    await problem(await sendRaw('{not json', keys, 'Bearer nope'), 403)
  })

  it('keeps /healthz public even with a wrong key, guards /readyz and /v1/models', async () => {
    const api = w.api(keys)
    expect((await api.healthz.$get()).status).toBe(200)
    expect((await api.healthz.$get({}, { headers: auth('Bearer wrong') })).status).toBe(200)
    await problem(await api.readyz.$get(), 401)
    await problem(await api.v1.models.$get({}, { headers: auth('Bearer wrong') }), 403)
  })

  it('serves without auth when the secret is unset or holds no key', async () => {
    for (const API_KEYS of [undefined, '', ' , ']) {
      expect((await classify(API_KEYS === undefined ? {} : { API_KEYS })).status, String(API_KEYS)).toBe(200)
    }
  })
})
