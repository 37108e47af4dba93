/**
 * Issue #5 item 2: the 128 MB isolate limit holds while the cron swaps a
 * full-size model. The isolate first serves both default-size models at their
 * largest runs (as memory.workerd.test.ts does), then the cron verifies a new
 * ALBERT-base version beside the live one (two ALBERT sessions at once, the
 * peak), hands it to the registry, and the new version serves the largest runs.
 *
 * A file of its own, not part of rollout.workerd.test.ts: ORT's Wasm heap
 * never shrinks, so the figures hold only in an isolate that has loaded
 * nothing but these models, and the cron here must not roll out (or load
 * beside them) the fixture versions that file stages.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { beforeAll, expect, it } from 'vitest'
import worker from '../../src/index.ts'
import { manifestKey } from '../../src/core/schema/keys.ts'
import type { ModelManifest } from '../../src/core/schema/manifest.ts'
import { readManifest } from '../../src/storage/r2.ts'
import { api, get } from '../support/http.ts'
import { seedMemoryModels } from '../support/seed.ts'

const MB = 2 ** 20
/** Same budget as memory.workerd.test.ts: ORT's heap may take this much, the JS heap the rest of 128 MB. */
const WASM_BUDGET = 100 * MB

let albert: ModelManifest
beforeAll(async () => {
  const found = (await seedMemoryModels()).find((m) => m.id === 'albert-base-memory')
  if (!found) throw new Error('albert-base-memory fixture missing')
  albert = found
})

const words = (n: number, salt: number) => Array.from({ length: n }, (_, i) => `word${(i * 7 + salt) % 50}`).join(' ')
// Read whatever the status: only the memory models are published here, so /readyz answers 503 for the default ones,
// and its problem document carries wasm_memory_bytes too (outside the Problem type).
const wasmMemory = async (): Promise<number> => ((await (await get('/readyz')).json()) as { wasm_memory_bytes: number }).wasm_memory_bytes
const mb = (n: number) => Math.round((n / MB) * 10) / 10

it('stays within the Wasm budget while the cron loads and swaps in a second ALBERT-base version', async () => {
  const figures: Record<string, number> = {}
  const batch = Array.from({ length: 16 }, (_, i) => words(40, i))
  const serve = async (id: string, step: string, inputs: string[]) => {
    const res = await api.v1.models[':id'].classify.$post({ param: { id }, json: { inputs } })
    expect(res.status).toBe(200)
    figures[step] = mb(await wasmMemory())
    return res
  }
  await serve('electra-small-memory', 'electra 16x~100', batch)
  await serve('electra-small-memory', 'electra 1x512', [words(600, 1)])
  await serve('albert-base-memory', 'albert v1 16x~100', batch)
  await serve('albert-base-memory', 'albert v1 1x512', [words(600, 1)])

  // A new version: same weights under a new name is enough, the cron creates a second session from them.
  const current = albert.versions[0]
  if (!current) throw new Error('no version')
  const next = { ...current, version: 'memory-albert-v2', created_at: '2026-02-01T00:00:00.000Z' }
  await env.MODELS.put(manifestKey(albert.id), JSON.stringify({ ...albert, pending: next.version, versions: [next, ...albert.versions] }))
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ cron: '*/5 * * * *' }), env, ctx)
  await waitOnExecutionContext(ctx)
  figures['cron: v2 verified beside v1, adopted'] = mb(await wasmMemory())
  expect(await readManifest(env.MODELS, albert.id)).toMatchObject({ active: 'memory-albert-v2', pending: null })

  const res = await serve('albert-base-memory', 'albert v2 16x~100', batch)
  expect(res.headers.get('X-Model-Version')).toBe('memory-albert-v2')
  await serve('albert-base-memory', 'albert v2 1x512', [words(600, 1)])
  console.log('wasm memory during a cron swap (MB):', JSON.stringify(figures))
  expect(await wasmMemory()).toBeLessThan(WASM_BUDGET)
})
