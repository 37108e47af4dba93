import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { apiKeyAuth } from '../../src/middleware/auth.ts'
import { onError } from '../../src/middleware/problem.ts'

function app(keys: string | undefined) {
  const a = new Hono()
  a.onError(onError)
  a.use('/v1/*', apiKeyAuth({ keys: () => keys }))
  a.get('/v1/x', (c) => c.text('ok'))
  a.get('/healthz', (c) => c.text('alive'))
  return a
}

const call = (keys: string | undefined, path: string, authorization?: string) =>
  app(keys).request(path, authorization ? { headers: { Authorization: authorization } } : {})

describe('apiKeyAuth', () => {
  it('lets everything through when no keys are configured', async () => {
    expect((await call(undefined, '/v1/x')).status).toBe(200)
    expect((await call(' , ', '/v1/x')).status).toBe(200)
  })

  it('answers a missing key with a 401 problem and a Bearer challenge', async () => {
    const res = await call('k1', '/v1/x')
    expect(res.status).toBe(401)
    expect(res.headers.get('Content-Type')).toBe('application/problem+json')
    expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer/)
    expect(await res.json()).toMatchObject({ detail: expect.stringContaining('Authorization: Bearer') })
    expect((await call('k1', '/v1/x', 'Basic abc')).status).toBe(401)
  })

  it('answers a wrong key with 403 and accepts any configured key', async () => {
    expect((await call('k1,k2', '/v1/x', 'Bearer nope')).status).toBe(403)
    expect((await call('k1,k2', '/v1/x', 'Bearer k1x')).status).toBe(403)
    expect((await call('k1, k2', '/v1/x', 'Bearer k2')).status).toBe(200)
    expect((await call('k1,k2', '/v1/x', 'bearer k1')).status).toBe(200)
  })

  it('leaves routes outside its path public', async () => {
    expect((await call('k1', '/healthz')).status).toBe(200)
  })
})
