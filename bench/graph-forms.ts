/**
 * Which int8 graph form is fastest under onnxruntime-web (WASM, SIMD, one
 * thread)? Times `session.run` for fp32 and each quantizer variant on the
 * electra-small and albert-base-v2 presets (seeded weights, batch 1, seq 64),
 * under onnxruntime-web in Node and onnxruntime-node (one intra-op thread),
 * and prints JSON: medians of N runs after warm-up, model size, session
 * creation time, the max |logit - fp32 logit|, and per preset and backend the
 * ratio q8 / default (the target: >= 1.5). Runs are interleaved
 * round-robin over the variants (one run of each in turn), so load from other
 * processes on a shared machine hits every variant alike; ratios are only
 * comparable within one run.
 *
 * `--profile` instead prints, per variant, where the time goes: ORT's profiler
 * (enableProfiling) under onnxruntime-web, each node's median kernel time over
 * the runs, summed by op type.
 *
 * Usage: node bench/graph-forms.ts [--runs 20] [--creates 5] [--presets electra-small,albert-base-v2] [--seq 64]
 *        [--variants fp32,q8,default,...] [--backends web,node] [--opt all|extended|basic|disabled] [--profile]
 */
import { execFileSync } from 'node:child_process'
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
    profile: { type: 'boolean', default: false },
    'profile-child': { type: 'string' },
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
  // The baseline: quantize_dynamic / Transformers.js q8 (same as the next variant)
  q8: { form: 'matmul-integer', perChannel: false, embeddings: 'none' },
  // quantizeModel's defaults: what the pipeline publishes
  default: {},
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
  'fused-no-blocks': { form: 'fused', fuseAttention: false, fuseSkipLayerNorm: false },
  'fused+attention': { form: 'fused', fuseSkipLayerNorm: false },
  'fused+skip-layernorm': { form: 'fused', fuseAttention: false },
  fused: { form: 'fused' },
}
const DEFAULT_VARIANTS = 'fp32,q8,fused-no-blocks,fused+attention,fused+skip-layernorm,default'

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

/** A session under either backend, reduced to what the timing loop needs. */
interface Runner {
  run(): Promise<number[]>
  release(): Promise<void>
}

async function openRunner(backend: string, model: Uint8Array, seq: number, profile = false): Promise<Runner> {
  const f = feeds(seq)
  if (backend === 'web') {
    const session = await ortWeb.InferenceSession.create(model, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: OPT,
      enableProfiling: profile,
    })
    const t = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, new ortWeb.Tensor('int64', v.data, v.dims)]))
    return {
      run: async () => Array.from((await session.run(t)).logits?.data as Float32Array),
      release: async () => {
        if (profile) session.endProfiling()
        await session.release()
      },
    }
  }
  const session = await ortNode.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: OPT })
  const t = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, new ortNode.Tensor('int64', v.data, v.dims)]))
  return { run: async () => Array.from((await session.run(t)).logits?.data as Float32Array), release: () => session.release() }
}

/** Median session-creation time: the optimizer's share of cold start. */
async function timeCreate(backend: string, model: Uint8Array): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < CREATES; i++) {
    const t0 = performance.now()
    const runner = await openRunner(backend, model, SEQ)
    times.push(performance.now() - t0)
    await runner.release()
  }
  return median(times)
}

/** Profile child: one variant under onnxruntime-web with ORT's profiler on; ORT writes the trace to stdout. */
async function profileChild(spec: string): Promise<void> {
  const [preset = '', name = ''] = spec.split(':')
  const options = VARIANTS[name]
  const fp32 = await fp32Model(preset)
  const model = options == null ? fp32 : quantizeModel(fp32, options).model
  const runner = await openRunner('web', model, SEQ, true)
  for (let i = 0; i < WARMUP + RUNS; i++) await runner.run()
  await runner.release()
}

interface TraceEvent {
  cat?: string
  name?: string
  dur?: number
  args?: { op_name?: string }
}

/** Per op type: the sum over nodes of each node's median kernel time (ms), which shrugs off runs another process slowed. */
function opBreakdown(trace: TraceEvent[]): Record<string, { ms: number; nodes: number }> {
  const perNode = new Map<string, { op: string; durs: number[] }>()
  for (const e of trace) {
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time')) continue
    const entry = perNode.get(e.name) ?? { op: e.args?.op_name ?? '?', durs: [] }
    entry.durs.push((e.dur ?? 0) / 1000)
    perNode.set(e.name, entry)
  }
  const out: Record<string, { ms: number; nodes: number }> = {}
  for (const { op, durs } of perNode.values()) {
    const o = (out[op] ??= { ms: 0, nodes: 0 })
    o.ms += median(durs.slice(WARMUP))
    o.nodes++
  }
  return Object.fromEntries(
    Object.entries(out)
      .sort((a, b) => b[1].ms - a[1].ms)
      .map(([k, v]) => [k, { ms: round(v.ms, 3), nodes: v.nodes }]),
  )
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits))
const presets = (args.presets ?? '').split(',')
const chosen = (args.variants ?? DEFAULT_VARIANTS).split(',')
for (const name of chosen)
  if (!(name in VARIANTS)) throw new Error(`unknown variant ${name}; choose from ${Object.keys(VARIANTS).join(', ')}`)

if (args['profile-child'] !== undefined) {
  await profileChild(args['profile-child'])
} else if (args.profile) {
  const profiles: Record<string, unknown>[] = []
  for (const preset of presets) {
    for (const name of chosen) {
      const childArgs = [
        '--profile-child',
        `${preset}:${name}`,
        '--runs',
        String(RUNS),
        '--warmup',
        String(WARMUP),
        '--seq',
        String(SEQ),
        '--opt',
        OPT,
      ]
      const out = execFileSync(process.execPath, [process.argv[1] ?? '', ...childArgs], {
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        stdio: ['ignore', 'pipe', 'ignore'],
      })
      const trace = JSON.parse(out.slice(out.indexOf('['), out.lastIndexOf(']') + 1)) as TraceEvent[]
      const ops = opBreakdown(trace)
      const total = round(
        Object.values(ops).reduce((sum, o) => sum + o.ms, 0),
        2,
      )
      process.stderr.write(`${preset} ${name}: ${total} ms of kernels\n`)
      profiles.push({ preset, variant: name, kernel_ms: total, ops })
    }
  }
  console.log(JSON.stringify({ backend: 'web', batch: 1, seq: SEQ, runs: RUNS, graph_optimization_level: OPT, profiles }, null, 2))
} else {
  const results: Record<string, unknown>[] = []
  const ratios: Record<string, unknown>[] = []
  const backends = (args.backends ?? 'web,node').split(',')
  for (const preset of presets) {
    const fp32 = await fp32Model(preset)
    const models = Object.fromEntries(
      chosen.map((name) => {
        const options = VARIANTS[name]
        return [name, options == null ? fp32 : quantizeModel(fp32, options).model]
      }),
    )
    const rows = Object.fromEntries(
      chosen.map((name) => [name, { preset, variant: name, bytes: models[name]?.length ?? 0 } as Record<string, unknown>]),
    )
    for (const backend of backends) {
      // All variants open at once and run in turn, so a slow spell hits each alike.
      const runners: Record<string, Runner> = {}
      const creates: Record<string, number> = {}
      for (const name of chosen) {
        const model = models[name] ?? fp32
        creates[name] = await timeCreate(backend, model)
        runners[name] = await openRunner(backend, model, SEQ)
      }
      const times: Record<string, number[]> = Object.fromEntries(chosen.map((n) => [n, []]))
      const logits: Record<string, number[]> = {}
      for (let i = 0; i < WARMUP + RUNS; i++) {
        for (const name of chosen) {
          const t0 = performance.now()
          logits[name] = (await runners[name]?.run()) ?? []
          if (i >= WARMUP) times[name]?.push(performance.now() - t0)
        }
      }
      for (const name of chosen) {
        await runners[name]?.release()
        const ref = logits.fp32 ?? []
        const row = rows[name] ?? {}
        row[backend] = {
          median_ms: round(median(times[name] ?? [])),
          min_ms: round(Math.min(...(times[name] ?? []))),
          create_ms: round(creates[name] ?? 0, 0),
          max_abs_logit_diff:
            ref.length === 0 ? null : round(Math.max(...(logits[name] ?? []).map((v, i) => Math.abs(v - (ref[i] ?? Number.NaN)))), 4),
        }
      }
      const q8 = median(times.q8 ?? [])
      const ours = median(times.default ?? [])
      if (q8 > 0 && ours > 0) {
        ratios.push({ preset, backend, q8_ms: round(q8), default_ms: round(ours), q8_over_default: round(q8 / ours, 3), target: 1.5 })
        process.stderr.write(`${preset} ${backend}: q8 ${round(q8)} ms, default ${round(ours)} ms, ratio ${round(q8 / ours, 3)}\n`)
      }
    }
    for (const row of Object.values(rows)) {
      process.stderr.write(`${JSON.stringify(row)}\n`)
      results.push(row)
    }
  }
  console.log(
    JSON.stringify(
      {
        batch: 1,
        seq: SEQ,
        runs: RUNS,
        warmup: WARMUP,
        creates: CREATES,
        graph_optimization_level: OPT,
        node: process.version,
        interleaved: true,
        ratios,
        results,
      },
      null,
      2,
    ),
  )
}
