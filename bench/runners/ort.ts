/**
 * Raw `session.run` timings in Node: onnxruntime-web (the Worker's build and
 * session options: wasm, SIMD, one thread) and onnxruntime-node (native CPU,
 * one intra-op thread), for each graph variant and shape.
 */
import { readFile } from 'node:fs/promises'
import * as ortNode from 'onnxruntime-node'
import * as ortWeb from 'onnxruntime-web/wasm'
import { DEFAULT_SESSION_OPTIONS, webSessionOptions } from '../../src/core/inference/ort-options.ts'
import { loadTokenizer } from '../../src/core/tokenizers/index.ts'
import type { BenchModel } from '../models.ts'
import type { LatencyCell, Variant } from '../report.ts'
import { timeLoop, type LoopOptions, warmUntilSettled } from '../stats.ts'
import { inputsFor, type Shape } from '../texts.ts'

ortWeb.env.wasm.numThreads = 1
ortWeb.env.logLevel = 'error'

/** The Worker's own session options (src/ort/ort.ts imports the .wasm, so Node cannot load that module). */
const WEB_OPTIONS: ortWeb.InferenceSession.SessionOptions = webSessionOptions(DEFAULT_SESSION_OPTIONS)

type Feeds = Record<string, { data: BigInt64Array; dims: [number, number] }>

/** input_ids / attention_mask / token_type_ids for the graph's inputs. */
export function feedsOf(ids: number[][], typeIds: number[][], inputNames: readonly string[]): Feeds {
  const batch = ids.length
  const seq = ids[0]?.length ?? 0
  const flat = (rows: number[][]): BigInt64Array => BigInt64Array.from(rows.flat(), (x) => BigInt(x))
  const all: Feeds = {
    input_ids: { data: flat(ids), dims: [batch, seq] },
    attention_mask: { data: new BigInt64Array(batch * seq).fill(1n), dims: [batch, seq] },
    token_type_ids: { data: flat(typeIds), dims: [batch, seq] },
  }
  return Object.fromEntries(inputNames.map((n) => [n, all[n] ?? { data: new BigInt64Array(batch * seq), dims: [batch, seq] }]))
}

interface Runner {
  inputNames: readonly string[]
  run(feeds: Feeds): Promise<unknown>
  release(): Promise<void>
}

async function openWeb(bytes: Uint8Array): Promise<Runner> {
  const s = await ortWeb.InferenceSession.create(bytes, WEB_OPTIONS)
  return {
    inputNames: s.inputNames,
    run: (f) => s.run(Object.fromEntries(Object.entries(f).map(([k, v]) => [k, new ortWeb.Tensor('int64', v.data, v.dims)]))),
    release: () => s.release(),
  }
}

async function openNode(bytes: Uint8Array): Promise<Runner> {
  const s = await ortNode.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  })
  return {
    inputNames: s.inputNames,
    run: (f) => s.run(Object.fromEntries(Object.entries(f).map(([k, v]) => [k, new ortNode.Tensor('int64', v.data, v.dims)]))),
    release: () => s.release(),
  }
}

export interface OrtRunOptions {
  variants: Variant[]
  backends: Array<'ort-web' | 'ort-node'>
  shapes: Shape[]
  loop: LoopOptions
  /** ms of untimed ORT-web runs before any timing (Wasm tier-up) */
  warmMs: number
  say: (m: string) => void
}

/**
 * V8 starts Wasm functions in its baseline compiler (Liftoff) and tiers hot ones up
 * to TurboFan while they run: the first seconds of ORT-web in a process run up to
 * several times slower (docs/benchmarks.md). Burn that in first.
 */
async function warmWasm(model: BenchModel, ms: number): Promise<void> {
  const session = await openWeb(new Uint8Array(await readFile(model.files.int8)))
  const { ids, typeIds } = inputsFor(loadTokenizer(model.tokenizerBytes), { batch: 1, seq: 64 })
  const feeds = feedsOf(ids, typeIds, session.inputNames)
  await warmUntilSettled(() => session.run(feeds).then(() => undefined), ms)
  await session.release()
}

export async function runOrt(models: BenchModel[], o: OrtRunOptions): Promise<LatencyCell[]> {
  const cells: LatencyCell[] = []
  const first = models[0]
  if (first && o.backends.includes('ort-web')) await warmWasm(first, o.warmMs)
  for (const model of models) {
    const tokenizer = loadTokenizer(model.tokenizerBytes)
    const inputs = o.shapes.map((shape) => ({ shape, ...inputsFor(tokenizer, shape) }))
    for (const variant of o.variants) {
      const file = variant === 'int8' ? model.files.int8 : variant === 'fp32' ? model.files.fp32 : model.files.baseline
      const bytes = new Uint8Array(await readFile(file))
      for (const method of o.backends) {
        const session = method === 'ort-web' ? await openWeb(bytes) : await openNode(bytes)
        for (const { shape, ids, typeIds } of inputs) {
          const feeds = feedsOf(ids, typeIds, session.inputNames)
          const samples_ms = await timeLoop(() => session.run(feeds), o.loop)
          cells.push({ model: model.id, method, variant, batch: shape.batch, seq: shape.seq, samples_ms })
          const sorted = [...samples_ms].sort((a, b) => a - b)
          o.say(
            `${model.id} ${method} ${variant} ${shape.batch}x${shape.seq}: p50 ${(sorted[sorted.length >> 1] ?? 0).toFixed(1)} ms (n=${samples_ms.length})`,
          )
        }
        await session.release()
      }
    }
  }
  return cells
}
