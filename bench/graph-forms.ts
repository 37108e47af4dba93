/**
 * Which int8 graph form is fastest under onnxruntime-web (WASM, SIMD, one
 * thread)? Times `session.run` for fp32 and each quantizer variant on the
 * electra-small and albert-base-v2 presets (seeded weights, batch 1, seq 64),
 * under onnxruntime-web in Node and onnxruntime-node (one intra-op thread),
 * and prints JSON: medians of N runs after warm-up, model size, session
 * creation time and the max |logit - fp32 logit|.
 *
 * Usage: node bench/graph-forms.ts [--runs 20] [--creates 5] [--presets electra-small,albert-base-v2] [--seq 64]
 *        [--variants fp32,fused,...] [--backends web,node] [--opt all|extended|basic|disabled]
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as ortNode from 'onnxruntime-node'
import * as ortWeb from 'onnxruntime-web'
import { generateCheckpoint } from '../scripts/checkpoint/generate.ts'
import { convertCheckpoint } from '../scripts/convert/index.ts'
import { artifactsDir } from '../scripts/paths.ts'
import { quantizeModel, type QuantizeOptions } from '../scripts/quantize/index.ts'

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    presets: { type: 'string', default: 'electra-small,albert-base-v2' },
    seq: { type: 'string', default: '64' },
    variants: { type: 'string' },
    backends: { type: 'string', default: 'web,node' },
    creates: { type: 'string', default: '5' },
    opt: { type: 'string', default: 'all' },
  },
})
const RUNS = Number(args.runs)
const WARMUP = Number(args.warmup)
const SEQ = Number(args.seq)
/** session creations timed per model (median): the optimizer's share of cold start */
const CREATES = Number(args.creates)
const OPT = (args.opt ?? 'all') as 'disabled' | 'basic' | 'extended' | 'all'

/** The variants compared (per-channel weights and per-row int8 embeddings unless named); `null` is the fp32 model itself. */
const VARIANTS: Record<string, QuantizeOptions | null> = {
  fp32: null,
  // (a) quantize_dynamic / Transformers.js q8: MatMulInteger per MatMul, per-tensor, fp32 embeddings
  'a:matmul-integer+per-tensor+emb-fp32': { form: 'matmul-integer', perChannel: false, embeddings: 'none' },
  'a:matmul-integer+per-tensor': { form: 'matmul-integer', perChannel: false },
  'a:matmul-integer': { form: 'matmul-integer' },
  'a:matmul-integer+shared-dql': { form: 'matmul-integer', shareInputQuant: true },
  // (b) com.microsoft DynamicQuantizeMatMul (bias fused)
  'b:dynamic-quantize-matmul+per-tensor': { form: 'dynamic-quantize-matmul', perChannel: false },
  'b:dynamic-quantize-matmul': { form: 'dynamic-quantize-matmul' },
  // (c) one DynamicQuantizeLinear shared by Q/K/V + com.microsoft MatMulIntegerToFloat (bias fused)
  'c:matmul-integer-to-float+per-tensor': { form: 'matmul-integer-to-float', perChannel: false },
  'c:matmul-integer-to-float': { form: 'matmul-integer-to-float' },
  'c:matmul-integer-to-float+emb-tensor': { form: 'matmul-integer-to-float', embeddings: 'tensor' },
  // ORT's level-'all' output written ahead: (c) where Q/K/V share an input, (b) elsewhere
  fused: { form: 'fused' },
}

ortWeb.env.wasm.numThreads = 1
ortWeb.env.wasm.simd = true

async function fp32Model(preset: string): Promise<Uint8Array> {
  const dir = join(artifactsDir, 'graph-forms', preset)
  const file = join(dir, 'model.onnx')
  if (existsSync(file)) return new Uint8Array(await readFile(file))
  await mkdir(dir, { recursive: true })
  await generateCheckpoint({ preset, seed: 1, outDir: dir })
  const { onnx } = await convertCheckpoint(dir)
  await writeFile(file, onnx)
  return onnx
}

function feeds(seq: number): Record<string, { data: BigInt64Array; dims: number[] }> {
  const ids = BigInt64Array.from({ length: seq }, (_, i) => BigInt(i === 0 ? 101 : i === seq - 1 ? 102 : 1000 + ((i * 7919) % 20000)))
  return {
    input_ids: { data: ids, dims: [1, seq] },
    attention_mask: { data: new BigInt64Array(seq).fill(1n), dims: [1, seq] },
    token_type_ids: { data: new BigInt64Array(seq), dims: [1, seq] },
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2
}

interface Timing {
  create_ms: number
  median_ms: number
  min_ms: number
  logits: number[]
}

async function timeCreate(create: () => Promise<{ release(): Promise<void> }>): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < CREATES; i++) {
    const t0 = performance.now()
    const session = await create()
    times.push(performance.now() - t0)
    await session.release()
  }
  return median(times)
}

async function timeWeb(model: Uint8Array, seq: number): Promise<Timing> {
  const create = (): Promise<ortWeb.InferenceSession> => ortWeb.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: OPT })
  const create_ms = await timeCreate(create)
  const session = await create()
  const f = Object.fromEntries(Object.entries(feeds(seq)).map(([k, v]) => [k, new ortWeb.Tensor('int64', v.data, v.dims)]))
  const times: number[] = []
  let logits: number[] = []
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const s = performance.now()
    const out = await session.run(f)
    if (i >= WARMUP) times.push(performance.now() - s)
    logits = Array.from(out.logits?.data as Float32Array)
  }
  await session.release()
  return { create_ms, median_ms: median(times), min_ms: Math.min(...times), logits }
}

async function timeNode(model: Uint8Array, seq: number): Promise<Timing> {
  const create = (): Promise<ortNode.InferenceSession> =>
    ortNode.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: OPT })
  const create_ms = await timeCreate(create)
  const session = await create()
  const f = Object.fromEntries(Object.entries(feeds(seq)).map(([k, v]) => [k, new ortNode.Tensor('int64', v.data, v.dims)]))
  const times: number[] = []
  let logits: number[] = []
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const s = performance.now()
    const out = await session.run(f)
    if (i >= WARMUP) times.push(performance.now() - s)
    logits = Array.from(out.logits?.data as Float32Array)
  }
  await session.release()
  return { create_ms, median_ms: median(times), min_ms: Math.min(...times), logits }
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits))
const results: Record<string, unknown>[] = []
const backends = (args.backends ?? 'web,node').split(',')
const chosen = args.variants?.split(',') ?? Object.keys(VARIANTS)
for (const preset of (args.presets ?? '').split(',')) {
  const fp32 = await fp32Model(preset)
  let reference: Record<string, number[]> = {}
  for (const name of chosen) {
    const options = VARIANTS[name]
    if (options === undefined) throw new Error(`unknown variant ${name}; choose from ${Object.keys(VARIANTS).join(', ')}`)
    const model = options === null ? fp32 : quantizeModel(fp32, options).model
    const row: Record<string, unknown> = { preset, variant: name, bytes: model.length }
    for (const backend of backends) {
      const t = backend === 'web' ? await timeWeb(model, SEQ) : await timeNode(model, SEQ)
      if (name === 'fp32') reference = { ...reference, [backend]: t.logits }
      const ref = reference[backend] ?? []
      row[backend] = {
        median_ms: round(t.median_ms),
        min_ms: round(t.min_ms),
        create_ms: round(t.create_ms, 0),
        max_abs_logit_diff: round(Math.max(...t.logits.map((v, i) => Math.abs(v - (ref[i] ?? Number.NaN)))), 4),
      }
    }
    process.stderr.write(`${JSON.stringify(row)}\n`)
    results.push(row)
  }
}
console.log(JSON.stringify({ batch: 1, seq: SEQ, runs: RUNS, warmup: WARMUP, creates: CREATES, graph_optimization_level: OPT, node: process.version, results }, null, 2))
