/**
 * `ModelRegistry.adopt`: the cron hands its smoke-tested session to the
 * isolate's registry, which swaps it in like its own loads (old session
 * released after its in-flight requests) and refuses when that could swap an
 * older version back in.
 */
import { expect, it } from 'vitest'
import { ModelRegistry } from '../../src/models/registry.ts'
import type { LiveModel, RegistryDeps } from '../../src/models/registry.ts'
import type { ClassifierSession } from '../../src/core/inference/session.ts'
import type { ModelManifest, ModelVersion } from '../../src/core/schema/manifest.ts'
import { type Tokenizer } from '../../src/core/tokenizers/tokenizer.ts'
import { blob, modelVersion } from '../support/model-version.ts'
import { constantTokenizer } from '../support/tokenizer.ts'

const sha = 'a'.repeat(64)
const version = (v: string): ModelVersion =>
  modelVersion(v, {
    max_length: 16,
    weights: blob(`blobs/sha256/${v}`, sha, 1),
    tokenizer: blob('tokenizer/sha256/t', sha, 1),
  })

const tokenizer = constantTokenizer()

function setup() {
  const released: string[] = []
  let manifest: ModelManifest = { id: 'm', active: 'v1', pending: 'v2', versions: [version('v2'), version('v1')], failures: [] }
  let gate: Promise<void> | undefined
  const session = (name: string): ClassifierSession => ({
    inputNames: [],
    run: async () => ({ data: new Float32Array(2), dims: [1, 2] }),
    release: async () => {
      released.push(name)
    },
  })
  const deps: RegistryDeps = {
    readManifest: async () => {
      await gate
      return structuredClone(manifest)
    },
    readWeights: async (_id, v) => new TextEncoder().encode(v.version),
    readTokenizer: async () => new Uint8Array(),
    parseTokenizer: () => tokenizer,
    createSession: async (w) => session(new TextDecoder().decode(w)),
    now: () => 0,
    wasmMemoryBytes: () => 0,
  }
  // A long TTL: only adopt (or an explicit refresh) changes the live model.
  const registry = new ModelRegistry(deps, { manifestTtlMs: 60_000, retryFailedMs: 60_000 })
  const model = (v: string): LiveModel => ({ id: 'm', version: version(v), session: session(v), tokenizer, loadMs: 1, footprint: { session_bytes: 0, peak_bytes: 0 } })
  return {
    registry,
    released,
    model,
    setManifest: (m: Partial<ModelManifest>) => {
      manifest = { ...manifest, ...m }
    },
    hold: () => {
      let open = () => {}
      gate = new Promise((resolve) => {
        open = resolve
      })
      return () => {
        gate = undefined
        open()
      }
    },
  }
}

it('swaps an adopted model in, releasing the old one after its in-flight request', async () => {
  const { registry, released, model, setManifest } = setup()
  const lease = await registry.acquire('m')
  expect(lease.model.version.version).toBe('v1')
  expect(registry.status('m')).toMatchObject({ pending: 'v2', activation_failure: null })

  setManifest({ active: 'v2', pending: null })
  expect(registry.adopt(model('v2'))).toBe(true)
  const next = await registry.acquire('m')
  expect(next.model.version.version).toBe('v2')
  expect(registry.status('m')).toMatchObject({ version: 'v2', loads: 2, pending: null })
  expect(released).toEqual([]) // v1 still has a request in flight
  lease.done()
  await Promise.resolve()
  expect(released).toEqual(['v1'])
  next.done()

  // The same version again is refused: the caller keeps (and releases) its session.
  expect(registry.adopt(model('v2'))).toBe(false)
})

it('refuses while a manifest check is under way, which could swap an older version back in', async () => {
  const { registry, model, hold } = setup()
  ;(await registry.acquire('m')).done()
  const open = hold()
  const refreshing = registry.refresh('m')
  expect(registry.adopt(model('v2'))).toBe(false)
  open()
  await refreshing
  expect(registry.status('m').version).toBe('v1')
})
