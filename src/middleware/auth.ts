/**
 * Optional API keys. When the `API_KEYS` secret holds one or more
 * comma-separated keys, every request must send `Authorization: Bearer <key>`;
 * with no keys configured (local `npm start`) everything is open.
 * Keys are compared through their SHA-256 digests with a loop that always
 * runs the full length, so timing reveals neither content nor length.
 *
 * @example
 * app.use('/v1/*', apiKeyAuth({ keys: (c) => c.env.API_KEYS }))
 */
import type { Context, MiddlewareHandler } from 'hono'
import { AppError } from '../core/errors.ts'

export interface ApiKeyAuthOptions {
  /** the raw secret (comma separated keys), or undefined/empty for no auth */
  keys: (c: Context) => string | undefined
}

async function digest(value: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value)))
}

/** Constant-time equality of two equal-length digests. */
function equalDigests(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="edge-classify"' }

export function apiKeyAuth(options: ApiKeyAuthOptions): MiddlewareHandler {
  return async (c, next) => {
    const keys = (options.keys(c) ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter((k) => k.length > 0)
    if (keys.length === 0) return next()
    const header = c.req.header('Authorization') ?? ''
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (!match?.[1]) {
      throw new AppError('unauthorized', 'This endpoint needs an API key: send "Authorization: Bearer <key>".', { headers: CHALLENGE })
    }
    const given = await digest(match[1])
    let ok = false
    // Check every key, even after a match, so the time taken does not say which one matched.
    for (const key of keys) ok = equalDigests(given, await digest(key)) || ok
    if (!ok) throw new AppError('forbidden', 'The API key is not valid for this service. Check the key, or ask its operator for one.')
    return next()
  }
}
