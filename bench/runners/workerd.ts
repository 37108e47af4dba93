/**
 * Measurements through workerd: `wrangler dev bench/worker/index.ts` on a free
 * port with its own `--persist-to` scratch state, into which the models are
 * published with the pipeline library. Cold starts restart wrangler (a fresh
 * isolate) or ask for a fresh model id (same isolate, ORT already started);
 * memory is read after each load; warm HTTP latency is timed by the client;
 * `session.run` is timed inside workerd by the bench route.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { bundleWorker, type Dev, startDev, stopDev, workerdRss } from '../dev.ts'
import { publish, readManifest, writeManifest } from '../../scripts/publish/index.ts'
import { openLocalStores } from '../../scripts/publish/stores.ts'
import { loadTokenizer } from '../../src/core/tokenizers/index.ts'
import type { BenchModel } from '../models.ts'
import type { ColdSample, LatencyCell, MemorySample } from '../report.ts'
import type { RunRequest, RunResponse } from '../worker/protocol.ts'
import { timeLoop, type LoopOptions, warmUntilSettled } from '../stats.ts'
import { inputsFor, type Shape } from '../texts.ts'
import { CORPUS_MAX_LENGTH, type CorpusBatch } from '../corpus.ts'
import type { LabelScore } from '../../src/core/inference/classifier.ts'
import { BATCH_MODELS, batchKey, type BatchCell } from './batches.ts'

export interface WorkerdOptions {
  stateDir: string
  shapes: Shape[]
  loop: LoopOptions
  /** wrangler restarts, each a cold isolate (models alternate as the first one) */
  restarts: number
  /** extra cold loads per model under fresh ids in a warm isolate */
  freshIds: number
  /** minimum ms per in-workerd sample (the local clock ticks in 1 ms) */
  minSampleMs: number
  /** ms of untimed in-workerd runs before warm timings (Wasm tier-up) */
  warmMs: number
  /** also time session.run in a workerd started with --no-wasm-bounds-checks (a diagnostic of the workerd/Node gap) */
  unchecked: boolean
  say: (m: string) => void
  /** corpus batches to time over HTTP (BATCH_MODELS only), with their own loop */
  batches?: { items: readonly CorpusBatch[]; loop: LoopOptions }
}

export interface WorkerdResult {
  latency: LatencyCell[]
  cold: ColdSample[]
  memory: MemorySample[]
  notes: string[]
  batches: BatchCell[]
  /** the Worker's answer to each corpus batch, by batchKey */
  batchAnswers: Map<string, LabelScore[][]>
}

/** The Worker's limits for the corpus batches: 64 inputs of up to 10,000 characters in one request. */
const BATCH_VARS = { MAX_BATCH: '64', MAX_BODY_BYTES: String(4 << 20) }

async function classify(dev: Dev, id: string, texts: string[]): Promise<{ ms: number; load: number | null }> {
  const body = JSON.stringify({ inputs: texts.length === 1 ? texts[0] : texts })
  const t0 = performance.now()
  const res = await fetch(`${dev.base}/v1/models/${id}/classify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  const text = await res.text()
  const ms = performance.now() - t0
  if (!res.ok) throw new Error(`classify ${id} answered ${res.status}: ${text}`)
  const load = /(?:^|,)\s*load;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')
  return { ms, load: load ? Number(load[1]) : null }
}

/** One corpus batch over HTTP, truncated as every method truncates it; the client time and the answer. */
async function classifyBatch(dev: Dev, id: string, texts: readonly string[]): Promise<{ ms: number; answer: LabelScore[][] }> {
  const body = JSON.stringify({ inputs: texts, parameters: { truncation: true, max_length: CORPUS_MAX_LENGTH } })
  const t0 = performance.now()
  const res = await fetch(`${dev.base}/v1/models/${id}/classify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  const text = await res.text()
  const ms = performance.now() - t0
  if (!res.ok) throw new Error(`classify ${id} (${texts.length} corpus texts) answered ${res.status}: ${text}`)
  return { ms, answer: JSON.parse(text) as LabelScore[][] }
}

async function healthz(dev: Dev): Promise<void> {
  const res = await fetch(`${dev.base}/healthz`)
  const text = await res.text()
  if (!res.ok) throw new Error(`/healthz answered ${res.status}: ${text}`)
}

/** `session.run` timed inside workerd by the bench route: per-run means of `samples` samples. */
async function benchRun(dev: Dev, r: RunRequest): Promise<number[]> {
  const res = await fetch(`${dev.base}/__bench/run`, { method: 'POST', body: JSON.stringify(r) })
  if (!res.ok) throw new Error(`/__bench/run answered ${res.status}: ${await res.text()}`)
  return ((await res.json()) as RunResponse).samples_ms
}

async function wasmBytes(dev: Dev): Promise<number> {
  return ((await (await fetch(`${dev.base}/__bench/memory`)).json()) as { wasm_bytes: number }).wasm_bytes
}

/** Publishes each model (its int8 folder, served as it is) and `freshIds` manifest copies per model for cold loads. */
async function publishAll(models: BenchModel[], o: WorkerdOptions): Promise<void> {
  const stores = await openLocalStores({ persistTo: o.stateDir })
  try {
    for (const m of models) {
      o.say(`${m.id}: publishing into ${o.stateDir}`)
      await publish(m.publishDir, { id: m.id, stores, randomWeights: m.kind === 'seeded' })
      const manifest = await readManifest(stores, m.id)
      for (let k = 0; k < o.freshIds; k++) await writeManifest(stores, { ...manifest, id: `${m.id}-cold-${k}` }, null)
    }
  } finally {
    await stores.close()
  }
}

export async function runWorkerd(models: BenchModel[], o: WorkerdOptions): Promise<WorkerdResult> {
  await rm(o.stateDir, { recursive: true, force: true })
  await publishAll(models, o)
  o.say('bundling bench/worker')
  // Bundled once: a reload on an edit to src/ would restart the isolate and lose the models.
  const entry = bundleWorker(join(o.stateDir, '..', 'bundle'), 'bench/worker/index.ts')
  const result: WorkerdResult = { latency: [], cold: [], memory: [], notes: [], batches: [], batchAnswers: new Map() }
  const probe = texts16(models)
  let dev: Dev | undefined
  try {
    for (let r = 0; r < Math.max(1, o.restarts); r++) {
      if (dev) await stopDev(dev)
      dev = await startDev(entry, o.stateDir, { vars: BATCH_VARS })
      const order = r % 2 === 0 ? models : [...models].reverse()
      const loaded: string[] = []
      for (const [i, m] of order.entries()) {
        const first = await classify(dev, m.id, probe.get(m.id) ?? [])
        result.cold.push({ model: m.id, first_in_isolate: i === 0, client_ms: first.ms, server_load_ms: first.load })
        loaded.push(m.id)
        if (r < 2) result.memory.push({ loaded: loaded.join('+'), wasm_bytes: await wasmBytes(dev), rss_bytes: workerdRss(dev) })
        o.say(
          `cold ${m.id} (restart ${r}, ${i === 0 ? 'first in isolate' : 'ORT started'}): ${first.ms.toFixed(0)} ms, load ${first.load ?? '?'} ms`,
        )
      }
    }
    if (!dev) throw new Error('wrangler dev did not start')
    for (const m of models) {
      for (let k = 0; k < o.freshIds; k++) {
        const c = await classify(dev, `${m.id}-cold-${k}`, probe.get(m.id) ?? [])
        result.cold.push({ model: m.id, first_in_isolate: false, client_ms: c.ms, server_load_ms: c.load })
      }
    }
    const d = dev
    await warmUp(d, models, o)
    for (const m of models) {
      const tokenizer = loadTokenizer(m.tokenizerBytes)
      for (const shape of o.shapes) {
        const { texts, ids, typeIds } = inputsFor(tokenizer, shape)
        // wrangler dev restarts the isolate when a watched source changes: redo the cell once, warm.
        for (let attempt = 0; ; attempt++) {
          try {
            const floor = await timeLoop(() => healthz(d), o.loop)
            const http = await timeLoop(() => classify(d, m.id, texts), o.loop)
            const cell = { model: m.id, variant: 'int8', batch: shape.batch, seq: shape.seq } as const
            result.latency.push({ ...cell, method: 'http-floor', samples_ms: floor }, { ...cell, method: 'http', samples_ms: http })
            const run = await benchRun(d, { id: m.id, ids, type_ids: typeIds, samples: runSamples(o, median(http)), min_ms: o.minSampleMs })
            result.latency.push({ ...cell, method: 'workerd-run', samples_ms: run })
            o.say(
              `${m.id} ${shape.batch}x${shape.seq}: HTTP p50 ${median(http).toFixed(1)} ms (/healthz ${median(floor).toFixed(1)}), in workerd ${median(run).toFixed(1)} ms`,
            )
            break
          } catch (error) {
            if (attempt > 0 || !/restarted/.test(String(error))) throw error
            const note = `${m.id} ${shape.batch}x${shape.seq}: the isolate restarted mid-cell (${String(error).split('\n')[0]}); measured again after a reload.`
            o.say(note)
            result.notes.push(note)
            result.latency = result.latency.filter((c) => !(c.model === m.id && c.batch === shape.batch && c.seq === shape.seq))
            await classify(d, m.id, texts)
          }
        }
      }
    }
    if (o.batches !== undefined) await httpBatches(d, models, o.batches, result, o.say)
    if (o.unchecked) {
      await stopDev(d)
      result.latency.push(...(await runUnchecked(entry, models, o)))
    }
  } finally {
    if (dev) await stopDev(dev)
  }
  return result
}

/** Each corpus batch over HTTP (client-timed, warm isolate), keeping one answer per batch for the comparison with Node. */
async function httpBatches(
  dev: Dev,
  models: BenchModel[],
  batches: NonNullable<WorkerdOptions['batches']>,
  result: WorkerdResult,
  say: (m: string) => void,
): Promise<void> {
  for (const m of models.filter((x) => BATCH_MODELS.includes(x.id))) {
    for (const batch of batches.items) {
      let answer: LabelScore[][] = []
      const samples = await timeLoop(async () => {
        answer = (await classifyBatch(dev, m.id, batch.texts)).answer
      }, batches.loop)
      result.batches.push({ model: m.id, distribution: batch.distribution, size: batch.texts.length, method: 'http', samples_ms: samples })
      result.batchAnswers.set(batchKey(m.id, batch.distribution, batch.texts.length), answer)
      say(`${m.id} ${batch.distribution} x${batch.texts.length}: HTTP p50 ${median(samples).toFixed(0)} ms`)
    }
  }
}

/** Samples per in-workerd cell: about as many as the HTTP loop took, within the loop's bounds. */
const runSamples = (o: WorkerdOptions, httpP50: number): number =>
  Math.min(o.loop.runs, Math.max(o.loop.minRuns, Math.ceil(o.loop.maxMs / Math.max(1, httpP50))))

/** Wasm tier-up (see bench/runners/ort.ts): run the first model untimed for a while. */
async function warmUp(dev: Dev, models: BenchModel[], o: WorkerdOptions): Promise<void> {
  const warm = models[0]
  if (warm === undefined) return
  const { ids, typeIds } = inputsFor(loadTokenizer(warm.tokenizerBytes), { batch: 1, seq: 64 })
  // Each call is one in-isolate sample of >= 100 ms of runs; its per-run mean is what must settle.
  await warmUntilSettled(
    async () => (await benchRun(dev, { id: warm.id, ids, type_ids: typeIds, samples: 1, min_ms: 100 }))[0] ?? 0,
    o.warmMs,
  )
}

/**
 * workerd installs no Wasm trap handler, so V8 compiles an explicit bounds
 * check into every linear-memory access; Node installs one and checks for
 * free with guard pages. Timing the same runs with the checks switched off
 * says how much of the workerd/Node gap they are. Unsafe: only here.
 */
async function runUnchecked(entry: string, models: BenchModel[], o: WorkerdOptions): Promise<LatencyCell[]> {
  const out: LatencyCell[] = []
  const dev = await startDev(entry, o.stateDir, { v8Flags: ['--no-wasm-bounds-checks'] })
  try {
    await warmUp(dev, models, o)
    for (const m of models) {
      const tokenizer = loadTokenizer(m.tokenizerBytes)
      for (const shape of o.shapes) {
        const { ids, typeIds } = inputsFor(tokenizer, shape)
        const samples = await benchRun(dev, { id: m.id, ids, type_ids: typeIds, samples: o.loop.minRuns * 2, min_ms: o.minSampleMs })
        out.push({ model: m.id, method: 'workerd-run-unchecked', variant: 'int8', batch: shape.batch, seq: shape.seq, samples_ms: samples })
        o.say(`${m.id} ${shape.batch}x${shape.seq}: in workerd without bounds checks ${median(samples).toFixed(1)} ms`)
      }
    }
  } finally {
    await stopDev(dev)
  }
  return out
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? Number.NaN

function texts16(models: BenchModel[]): Map<string, string[]> {
  return new Map(models.map((m) => [m.id, inputsFor(loadTokenizer(m.tokenizerBytes), { batch: 1, seq: 16 }).texts]))
}
