/**
 * The Worker under benchmark plus two bench-only routes, served by
 * `wrangler dev bench/worker/index.ts` (never deployed). Every other path
 * goes to the real app unchanged.
 *
 * - `POST /__bench/run` `{ id, ids: number[][], type_ids: number[][], samples, min_ms }`:
 *   times `session.run` inside workerd on the model's published weights. The
 *   local clock ticks in 1 ms steps, so each sample repeats the run until at
 *   least `min_ms` passed and reports the mean per run.
 * - `GET /__bench/memory`: bytes of ORT's Wasm linear memory in this isolate.
 */
import app from '../../src/index.ts'
import { createSession, wasmMemoryBytes } from '../../src/runtime/ort.ts'
import type { ClassifierSession, Int64Input } from '../../src/runtime/session.ts'
import { activeVersion } from '../../src/schema/manifest.ts'
import { readManifest, readWeights } from '../../src/storage/r2.ts'
import type { RunRequest, RunResponse } from './protocol.ts'


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
      return createSession(await readWeights(env.MODELS, id, version.weights))
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

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url)
    if (url.pathname === '/__bench/memory') return Response.json({ wasm_bytes: wasmMemoryBytes() })
    if (url.pathname === '/__bench/run' && request.method === 'POST') return run((await request.json()) as RunRequest, env)
    return app.fetch(request, env, ctx)
  },
} satisfies ExportedHandler<Env>
