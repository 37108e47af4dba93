/**
 * The Worker under benchmark plus three bench-only routes, served by
 * `wrangler dev bench/worker/index.ts` (never deployed). Every other path
 * goes to the real app unchanged.
 *
 * - `POST /__bench/run` `{ id, ids: number[][], type_ids: number[][], samples, min_ms }`:
 *   times `session.run` inside workerd on the model's published weights. The
 *   local clock ticks in 1 ms steps, so each sample repeats the run until at
 *   least `min_ms` passed and reports the mean per run.
 * - `GET /__bench/memory`: bytes of ORT's Wasm linear memory in this isolate.
 * - `POST /__bench/cold` `{ id, text }`: a first load timed step by step (`coldSteps`).
 */
import app from '../../src/index.ts'
import { classifyEncodings, DEFAULT_BATCH_BUDGET } from '../../src/core/inference/classifier.ts'
import { sessionOptionsFor } from '../../src/core/inference/ort-options.ts'
import { createSession, runStarters, wasmMemoryBytes } from '../../src/ort/ort.ts'
import type { ClassifierSession, Int64Input } from '../../src/core/inference/session.ts'
import { activeVersion } from '../../src/core/schema/manifest.ts'
import { readTokenizer } from '../../src/storage/kv.ts'
import { readManifest, readWeights } from '../../src/storage/r2.ts'
import { loadTokenizer } from '../../src/core/tokenizers/index.ts'
import type { ColdRequest, ColdResponse, RunRequest, RunResponse } from './protocol.ts'

/** Bench sessions, separate from the app's registry (created after its memory was read). */
const sessions = new Map<string, Promise<ClassifierSession>>()

async function sessionFor(env: Env, id: string): Promise<ClassifierSession> {
  let session = sessions.get(id)
  if (session === undefined) {
    // One bench session at a time keeps the isolate's Wasm heap near the app's own.
    for (const [other, s] of sessions) {
      sessions.delete(other)
      await (await s).release()
    }
    session = (async () => {
      const version = activeVersion(await readManifest(env.MODELS, id))
      if (version === undefined) throw new Error(`model ${id} has no active version`)
      return createSession(await readWeights(env.MODELS, id, version.weights), sessionOptionsFor(version.graph_optimization))
    })()
    sessions.set(id, session)
  }
  return session
}

function feeds(r: RunRequest, inputNames: readonly string[]): Record<string, Int64Input> {
  const batch = r.ids.length
  const seq = r.ids[0]?.length ?? 0
  const dims: [number, number] = [batch, seq]
  const all: Record<string, Int64Input> = {
    input_ids: { data: BigInt64Array.from(r.ids.flat(), (x) => BigInt(x)), dims },
    attention_mask: { data: new BigInt64Array(batch * seq).fill(1n), dims },
    token_type_ids: { data: BigInt64Array.from(r.type_ids.flat(), (x) => BigInt(x)), dims },
  }
  return Object.fromEntries(inputNames.map((n) => [n, all[n] ?? { data: new BigInt64Array(batch * seq), dims }]))
}

async function run(r: RunRequest, env: Env): Promise<Response> {
  const session = await sessionFor(env, r.id)
  const f = feeds(r, session.inputNames)
  await session.run(f) // warm-up
  const samples_ms: number[] = []
  const repeats: number[] = []
  for (let s = 0; s < r.samples; s++) {
    let n = 0
    const t0 = performance.now()
    let elapsed = 0
    do {
      await session.run(f)
      n++
      elapsed = performance.now() - t0
    } while (elapsed < r.min_ms)
    samples_ms.push(elapsed / n)
    repeats.push(n)
  }
  return Response.json({ samples_ms, repeats } satisfies RunResponse)
}

/**
 * A model's first load in this isolate, timed step by step with the Worker's
 * own storage and ORT code (the bench sends it as a fresh isolate's first
 * request). The registry reads weights and tokenizer concurrently; here they go
 * one after the other, so that each step has a time of its own.
 */
async function coldSteps(r: ColdRequest, env: Env): Promise<Response> {
  const steps: ColdResponse['steps_ms'] = {}
  let t0 = performance.now()
  const lap = (name: string): void => {
    const now = performance.now()
    steps[name] = now - t0
    t0 = now
  }
  if (r.probe === true) {
    // The isolate ran them at startup: a slow first pass here means that code is gone.
    await runStarters()
    lap('starters_again')
    await runStarters()
    lap('starters_third')
  }
  const version = activeVersion(await readManifest(env.MODELS, r.id))
  if (version === undefined) throw new Error(`model ${r.id} has no active version`)
  lap('r2_manifest')
  const weights = await readWeights(env.MODELS, r.id, version.weights)
  lap('r2_weights_sha256')
  const tokenizerBytes = await readTokenizer(env.TOKENIZERS, r.id, version.tokenizer)
  lap('kv_tokenizer')
  const tokenizer = loadTokenizer(tokenizerBytes)
  lap('tokenizer_parse')
  const session = await createSession(weights, sessionOptionsFor(version.graph_optimization))
  lap('session_create')
  // Wasm memory (MiB), not a time: whether a first run grows ORT's heap.
  const memory = (): number => Math.round((wasmMemoryBytes() / 2 ** 20) * 10) / 10
  const encodings = [tokenizer.encode({ text: r.text }, { max_length: version.max_length, truncation: true })]
  const model = { pad_id: tokenizer.pad_id, id2label: version.id2label }
  const options = { activation: 'softmax' as const, top_k: null }
  for (const name of ['first_run', 'second_run', 'third_run']) {
    const before = memory()
    await classifyEncodings(session, encodings, model, options, DEFAULT_BATCH_BUDGET)
    lap(name)
    steps[`${name}_wasm_mib_before`] = before
    steps[`${name}_wasm_mib_after`] = memory()
  }
  await session.release()
  return Response.json({ steps_ms: steps } satisfies ColdResponse)
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url)
    if (url.pathname === '/__bench/memory') return Response.json({ wasm_bytes: wasmMemoryBytes() })
    if (url.pathname === '/__bench/run' && request.method === 'POST') return run((await request.json()) as RunRequest, env)
    if (url.pathname === '/__bench/cold' && request.method === 'POST') return coldSteps((await request.json()) as ColdRequest, env)
    return app.fetch(request, env, ctx)
  },
} satisfies ExportedHandler<Env>
