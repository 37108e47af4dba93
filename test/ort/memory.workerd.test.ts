/**
 * Issue #2 item 8: both full-size default models (int8, ELECTRA-small and
 * ALBERT-base dimensions) in one isolate, each serving batches at the
 * largest run the batch budget allows, must leave ORT's Wasm memory well
 * inside the 128 MB isolate limit (the JS heap needs the rest).
 */
import { beforeAll, expect, it } from 'vitest'
import { get, post } from '../support/http.ts'
import { seedMemoryModels, seedModels } from '../support/seed.ts'

const MB = 2 ** 20
/**
 * What ORT's heap may take; the JS heap (tokenizers, Hono, ORT's JS) needs the
 * rest of 128 MB. Emscripten grows the heap in ~20% steps (80 → 96 → 116 MB),
 * so a regression shows up as a whole step past this line. Measured: 80.3-96.3 MB.
 */
const WASM_BUDGET = 100 * MB

beforeAll(async () => {
  await seedModels()
  await seedMemoryModels()
})

/** ~n tokens of English for either tokenizer. */
const words = (n: number, salt: number) => Array.from({ length: n }, (_, i) => `word${(i * 7 + salt) % 50}`).join(' ')

const wasmMemory = async (): Promise<number> => ((await (await get('/readyz')).json()) as { wasm_memory_bytes: number }).wasm_memory_bytes

it('keeps both default-size models and their largest batches within the Wasm budget', async () => {
  const figures: Record<string, number> = {}
  // The sequence with the highest high-water mark seen: full batches (two budget-sized runs
  // each), then the longest single input MAX_LENGTH allows. Measured 80.3 MB in most runs and
  // 96.3 MB in one (the heap sits at a growth step, so fragmentation decides which).
  const batch = Array.from({ length: 16 }, (_, i) => words(40, i))
  const steps: Array<[string, string, string[]]> = [
    ['electra-small-memory', '16x~100 tokens', batch],
    ['electra-small-memory', '1x512 tokens', [words(600, 1)]],
    ['albert-base-memory', '16x~100 tokens', batch],
    ['albert-base-memory', '1x512 tokens', [words(600, 1)]],
  ]
  for (const [id, label, inputs] of steps) {
    const res = await post(`/v1/models/${id}/classify`, { inputs })
    expect(res.status).toBe(200)
    figures[`${id} ${label}`] = Math.round(((await wasmMemory()) / MB) * 10) / 10
  }
  console.log('wasm memory (MB):', JSON.stringify(figures))
  expect(await wasmMemory()).toBeLessThan(WASM_BUDGET)
})
