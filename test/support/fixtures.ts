/**
 * Reads a fixture built by global-setup.ts, from inside workerd, through the
 * test-only FIXTURES service binding (vitest.config.ts).
 */
import { env } from 'cloudflare:workers'

interface FixtureEnv {
  FIXTURES: Fetcher
}

/** The bytes of `.artifacts/test-fixtures/<name>`. */
export async function fixture(name: string): Promise<Uint8Array> {
  const res = await (env as unknown as FixtureEnv).FIXTURES.fetch(`http://fixtures/${name}`)
  if (!res.ok) throw new Error(`fixture ${name}: ${res.status} ${await res.text()}`)
  return new Uint8Array(await res.arrayBuffer())
}

/** A fixture as text (JSON manifests, tokenizer files). */
export async function fixtureText(name: string): Promise<string> {
  return new TextDecoder().decode(await fixture(name))
}
