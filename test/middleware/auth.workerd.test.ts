import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import worker from '../../src/index.ts'

/** The Worker as deployed with the API_KEYS secret set. */
async function call(path: string, authorization?: string): Promise<Response> {
  const ctx = createExecutionContext()
  const req = new Request(`http://edge.test${path}`, authorization ? { headers: { Authorization: authorization } } : {})
  const res = await worker.fetch(req, { ...env, API_KEYS: 'key-one,key-two' }, ctx)
  await waitOnExecutionContext(ctx)
  return res
}

describe('API keys on the Worker', () => {
  it('guards /v1 and /readyz, keeps /healthz and /openapi.json public', async () => {
    expect((await call('/v1/models')).status).toBe(401)
    expect((await call('/readyz')).status).toBe(401)
    expect((await call('/v1/models', 'Bearer wrong')).status).toBe(403)
    expect((await call('/v1/models', 'Bearer key-two')).status).toBe(200)
    expect((await call('/healthz')).status).toBe(200)
    expect((await call('/openapi.json')).status).toBe(200)
  })
})
