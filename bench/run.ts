/**
 * `npm run bench`: latency, cold start, memory and size of the int8 models,
 * next to onnxruntime-node (the native limit) and Transformers.js (the peer).
 * Writes bench/results/latest.json and bench/results/latest.md, and the SVG
 * charts beside them (bench/charts.ts).
 *
 *   node bench/run.ts [--quick] [--only workerd,ort,tjs,tokenizers,families] [--out bench/results/latest]
 *
 * Bounded: every cell stops after `runs` samples or `max-ms` of timed work
 * (never under `min-runs`). Full run ~10 min on 2 cores, --quick ~2 min.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, statSync, writeFileSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { artifactsDir, repoRoot } from '../scripts/paths.ts'
import { loadTokenizer } from '../src/core/tokenizers/index.ts'
import { int8Isa } from './cpu.ts'
import { prepareModels } from './models.ts'
import { writeCharts } from './charts-cli.ts'
import { buildReport, type BenchInput, type FamilyRow, type LatencyCell, type Variant } from './report.ts'
import { runOrt } from './runners/ort.ts'
import { BATCH_MODELS, type BatchCell, type BatchCheck, batchKey, compareAnswers, runBatchesNode } from './runners/batches.ts'
import { type TjsBatchCell, type TjsJob } from './runners/transformers-js.ts'
import { CORPUS_MAX_LENGTH, corpusBatches } from './corpus.ts'
import type { LabelScore } from '../src/core/inference/classifier.ts'
import { runWorkerd } from './runners/workerd.ts'
import type { LoopOptions } from './stats.ts'
import { inputsFor, SHAPES } from './texts.ts'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: 'workerd,ort,tjs,tokenizers,families' },
    out: { type: 'string', default: 'bench/results/latest' },
  },
})
const quick = args.quick === true
const only = new Set((args.only ?? '').split(','))
const loop: LoopOptions = quick ? { warmup: 1, runs: 8, minRuns: 3, maxMs: 1200 } : { warmup: 2, runs: 25, minRuns: 7, maxMs: 3000 }
/** untimed ORT runs per process before timing: V8 tiers Wasm up from Liftoff while it runs */
const warmMs = quick ? 2000 : 4000
/** fp32 is reference only: fewer, shorter runs */
const fp32Loop: LoopOptions = { ...loop, runs: Math.min(loop.runs, 10), minRuns: 3, maxMs: loop.maxMs / 2 }
const say = (m: string): void => void process.stderr.write(`${m}\n`)
/** corpus batches (bench/corpus.ts): whole batches of up to 64 texts, so few samples */
const batchLoop: LoopOptions = quick ? { warmup: 0, runs: 1, minRuns: 1, maxMs: 0 } : { warmup: 0, runs: 3, minRuns: 2, maxMs: 6000 }
const corpus = corpusBatches(quick ? [16] : [16, 64])
const batchCells: BatchCell[] = []
let batchChecks: BatchCheck[] = []
let httpAnswers = new Map<string, LabelScore[][]>()

const started = new Date()
const loads: number[] = [loadavg()[0] ?? 0]
const sampler = setInterval(() => loads.push(loadavg()[0] ?? 0), 5000)
const scratch = join(artifactsDir, 'bench')
const notes: string[] = []
mkdirSync(scratch, { recursive: true })

const models = await prepareModels(say)
const latency: LatencyCell[] = []
let cold: BenchInput['cold'] = []
let memory: BenchInput['memory'] = []
let tokenizers: BenchInput['tokenizers'] = []
let families: FamilyRow[] = []

try {
  if (only.has('workerd')) {
    say('— workerd: publish, cold starts, memory, HTTP and in-isolate session.run')
    const w = await runWorkerd(models, {
      stateDir: join(scratch, 'state'),
      shapes: SHAPES,
      loop,
      restarts: quick ? 2 : 4,
      freshIds: quick ? 1 : 3,
      minSampleMs: 25,
      warmMs,
      unchecked: true,
      say,
      batches: { items: corpus, loop: batchLoop },
    })
    latency.push(...w.latency)
    batchCells.push(...w.batches)
    httpAnswers = w.batchAnswers
    cold = w.cold
    memory = w.memory
    notes.push(...w.notes)
  }
  if (only.has('ort')) {
    say('— onnxruntime-web and onnxruntime-node in Node')
    latency.push(
      ...(await runOrt(models, {
        variants: ['int8', 'q8-baseline'],
        backends: ['ort-web', 'ort-node'],
        shapes: SHAPES,
        loop,
        warmMs,
        say,
      })),
    )
    latency.push(
      ...(await runOrt(models, { variants: ['fp32'], backends: ['ort-web', 'ort-node'], shapes: SHAPES, loop: fp32Loop, warmMs: 0, say })),
    )
    say('— corpus batches: length-planned, single and unsorted runs (onnxruntime-web in Node)')
    const nb = await runBatchesNode(models, corpus, batchLoop, warmMs, say)
    batchCells.push(...nb.cells)
    batchChecks = nb.checks.map((c) => {
      const key = batchKey(c.model, c.distribution, c.size)
      const http = httpAnswers.get(key)
      const planned = nb.answers.get(key)
      if (http === undefined || planned === undefined) return c
      const x = compareAnswers(planned, http)
      return { ...c, same_labels_as_http: x.same, max_diff_vs_http: x.maxDiff }
    })
  }
  if (only.has('tjs')) {
    say('— Transformers.js text-classification pipeline (WASM)')
    for (const build of ['.asyncify', ''] as const) {
      const variants: Variant[] = build === '' ? ['q8-baseline'] : ['q8-baseline', 'int8']
      latency.push(...runTjs(build, variants, build === '.asyncify' ? fp32Loop : loop))
    }
  }
  if (only.has('families')) {
    say('— model families at their popular sizes (bench/families.ts, a fresh process each)')
    const out = execFileSync(process.execPath, [join(repoRoot, 'bench', 'families.ts'), '--json'], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    families = JSON.parse(out.trim().split('\n').pop() ?? '[]') as FamilyRow[]
  }
  if (only.has('tokenizers')) {
    say('— tokenizers (bench/tokenizers.ts)')
    const out = execFileSync(process.execPath, [join(repoRoot, 'bench', 'tokenizers.ts')], { encoding: 'utf8' })
    tokenizers = (JSON.parse(out) as { results: BenchInput['tokenizers'] }).results
  }
} finally {
  clearInterval(sampler)
}

function runTjs(build: TjsJob['build'], variants: Variant[], l: LoopOptions): LatencyCell[] {
  const job: TjsJob = {
    root: join(scratch, 'transformers-js'),
    loop: l,
    build,
    warmMs,
    // One pipeline call pads a whole batch of 64 to 256 tokens: one sample once maxMs is spent.
    batchLoop: { ...batchLoop, minRuns: 1 },
    models: models.flatMap((m) =>
      variants.map((variant) => ({
        id: m.id,
        variant,
        folder: `${m.id}-${variant}`,
        onnx: variant === 'int8' ? m.files.int8 : m.files.baseline,
        config: m.files.config,
        tokenizerJson: m.files.tokenizerJson,
        tokenizerConfig: { model_max_length: 512, do_lower_case: true },
        shapes: SHAPES.map((s) => ({ ...s, texts: inputsFor(loadTokenizer(m.tokenizerBytes), s).texts })),
        // Corpus batches on the default (asyncify) build only: one call pads a whole batch, so they are slow.
        ...(build === '.asyncify' && BATCH_MODELS.includes(m.id)
          ? { batches: corpus.map((b) => ({ ...b, maxLength: CORPUS_MAX_LENGTH })) }
          : {}),
      })),
    ),
  }
  const jobFile = join(scratch, `transformers-js-job${build}.json`)
  writeFileSync(jobFile, JSON.stringify(job))
  try {
    const out = execFileSync(process.execPath, [join(repoRoot, 'bench', 'runners', 'transformers-js.ts'), jobFile], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 << 20,
    })
    const parsed = JSON.parse(out) as { cells: LatencyCell[]; batches: TjsBatchCell[] }
    batchCells.push(
      ...parsed.batches.map((b): BatchCell => ({
        model: b.model,
        distribution: b.distribution,
        size: b.size,
        method: b.variant === 'int8' ? 'transformers-js-int8' : 'transformers-js',
        samples_ms: b.samples_ms,
      })),
    )
    return parsed.cells
  } catch (error) {
    notes.push(`Transformers.js (${build || 'plain'} build) failed: ${String(error).split('\n')[0]}`)
    return []
  }
}

const versionOf = async (pkg: string, from = repoRoot): Promise<string> => {
  try {
    return (JSON.parse(await readFile(join(from, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return 'not installed'
  }
}
const tjsDir = join(repoRoot, 'node_modules', '@huggingface', 'transformers')
const sizes = models.map((m) => ({
  model: m.id,
  fp32_onnx_bytes: statSync(m.files.fp32).size,
  int8_onnx_bytes: statSync(m.files.int8).size,
  q8_baseline_onnx_bytes: statSync(m.files.baseline).size,
  tokenizer_json_bytes: Buffer.byteLength(m.tokenizerJson),
  tokenizer_kv_bytes: m.tokenizerBytes.byteLength,
}))

notes.push(
  "electra-small and albert-base-v2: seeded random weights (scripts/catalogue.ts seeds), full size; albert-spam: the trained default (models/albert-spam, 6 layers, hidden 256), the checkpoint `npm start` serves; electra-small-spam has electra-small's graph, so its timings are electra-small's. int8 = the quantizer default form that `publish` serves; q8-baseline = MatMulInteger per MatMul, per-tensor scales, fp32 embeddings (quantize_dynamic / Transformers.js q8 style).",
  'HTTP = client-timed POST /v1/models/{id}/classify to `wrangler dev --no-bundle` on bench/worker/index.ts bundled once at the start (the app plus /__bench routes) on 127.0.0.1, keep-alive; includes JSON, tokenization, session.run and softmax.',
  'session.run in workerd: each sample repeats the run until >= 25 ms passed (the local clock ticks in 1 ms) and reports the mean per run.',
  'Cold start: first classify (1x16 tokens) after wrangler dev started a fresh isolate (R2 manifest + weights, KV tokenizer, session creation, first run); "ORT already started" rows load a second model or a fresh model id in a warm isolate. The .wasm is compiled when workerd loads the script, and ORT\'s Wasm backend starts at module scope (src/ort/ort.ts startBackend), both part of the isolate\'s startup, outside these figures.',
  'Memory: ORT Wasm linear memory as the Worker sees it (grows, never shrinks); RSS is the whole local workerd process (runtime included), for orientation only.',
  'Transformers.js runs in Node on onnxruntime-web through its globalThis[Symbol.for("onnxruntime")] hook, with its bundled ORT-web version; by default it loads the asyncify .wasm build (as in browsers); the plain SIMD build is measured too.',
  `Warm timings start after untimed ORT runs in each process (Node, Transformers.js child, workerd isolate): at least ${warmMs} ms, then until run times stop falling (two windows of 8 runs within 5%), at most ${4 * warmMs} ms. V8 runs Wasm in Liftoff first and tiers hot functions up to TurboFan while they run; without this the first cells of a process run up to ~2.5x slower, and on a busy machine a fixed warm-up was not always enough.`,
  `Corpus batches: spam test-split emails (bench/corpus.ts), bodies alone and subject lines shuffled with bodies, truncated at ${CORPUS_MAX_LENGTH} tokens by every method (the Worker via parameters.max_length, Transformers.js via model_max_length); ${BATCH_MODELS.join(' and ')} only (albert-base-v2 would add minutes). planned, singles and unsorted run interleaved sample by sample; HTTP runs with MAX_BATCH 64.`,
  'All timings share 2 CPU cores with other processes (see load average); compare ratios within this run, not across runs.',
)

const cpu = cpus()[0]?.model ?? 'unknown CPU'
const input: BenchInput = {
  started_at: started.toISOString(),
  duration_s: (Date.now() - started.getTime()) / 1000,
  options: { quick, only: [...only], loop, fp32_loop: fp32Loop, shapes: SHAPES },
  machine: {
    cpu,
    cores: cpus().length,
    memory_gib: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
    int8_isa: int8Isa(),
    load_avg: loads.map((x) => Math.round(x * 100) / 100),
    versions: {
      'onnxruntime-web': await versionOf('onnxruntime-web'),
      'onnxruntime-node': await versionOf('onnxruntime-node'),
      wrangler: await versionOf('wrangler'),
      workerd: await versionOf('workerd'),
      '@huggingface/transformers': await versionOf('@huggingface/transformers'),
      'onnxruntime-web (Transformers.js)': await versionOf('onnxruntime-web', tjsDir),
    },
  },
  latency,
  cold,
  memory,
  sizes,
  tokenizers,
  ...(families.length > 0 ? { families } : {}),
  ...(batchCells.length > 0 ? { batches: { cells: batchCells, checks: batchChecks } } : {}),
  notes,
}
const { json, markdown } = buildReport(input)
const out = resolve(repoRoot, args.out ?? 'bench/results/latest')
await mkdir(dirname(out), { recursive: true })
await writeFile(`${out}.json`, `${JSON.stringify(json, null, 1)}\n`)
await writeFile(`${out}.md`, markdown)
say(`wrote ${out}.json and ${out}.md`)
say(`wrote ${(await writeCharts(`${out}.json`)).join(', ')}`)
