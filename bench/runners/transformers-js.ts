/**
 * Transformers.js' text-classification pipeline, WASM backend, one thread, on
 * the benchmark's own weights and tokenizer; no network. Runs in its own
 * process (it brings its own onnxruntime-web build):
 *
 *   node bench/runners/transformers-js.ts job.json   → prints LatencyCell[] as JSON
 *
 * In Node, Transformers.js picks onnxruntime-node; its documented hook
 * `globalThis[Symbol.for('onnxruntime')]` hands it onnxruntime-web instead.
 * We load the same ORT-web build it would fetch from the CDN in a browser
 * (its bundled version; the asyncify .wasm by default, or the plain one), from node_modules.
 */
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { LatencyCell, Variant } from '../report.ts'
import { timeLoop, type LoopOptions, warmUntilSettled } from '../stats.ts'
import type { Shape } from '../texts.ts'

export interface TjsJob {
  /** folder that holds one sub-folder per model (the Transformers.js model id) */
  root: string
  models: Array<{
    id: string
    variant: Variant
    /** the folder name under root */
    folder: string
    onnx: string
    config: string
    tokenizerJson: string
    tokenizerConfig: Record<string, unknown>
    /** texts of each shape, and the token count our tokenizer gives them */
    shapes: Array<Shape & { texts: string[] }>
  }>
  loop: LoopOptions
  /** ORT-web build: '.asyncify' is what Transformers.js loads by default (from the CDN), '' the plain SIMD build */
  build: '' | '.asyncify'
  /** ms of untimed runs before any timing (Wasm tier-up) */
  warmMs: number
}

/** Lays out a local Transformers.js model folder: config, tokenizer, onnx/model_quantized.onnx. */
export async function writeTjsFolder(root: string, m: TjsJob['models'][number]): Promise<void> {
  const dir = join(root, m.folder)
  await rm(dir, { recursive: true, force: true })
  await mkdir(join(dir, 'onnx'), { recursive: true })
  await writeFile(join(dir, 'config.json'), await readFile(m.config))
  await symlink(m.tokenizerJson, join(dir, 'tokenizer.json'))
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(m.tokenizerConfig))
  await symlink(m.onnx, join(dir, 'onnx', 'model_quantized.onnx'))
}

async function main(job: TjsJob): Promise<LatencyCell[]> {
  const requireTjs = createRequire(createRequire(import.meta.url).resolve('@huggingface/transformers'))
  const ortDist = dirname(requireTjs.resolve('onnxruntime-web/wasm')) // …/onnxruntime-web/dist
  const ort = (await import(pathToFileURL(join(ortDist, 'ort.wasm.min.mjs')).href)) as {
    env: { wasm: Record<string, unknown>; versions: Record<string, string> }
    InferenceSession: { create(model: unknown, options: unknown): Promise<unknown> }
  }
  ort.env.wasm.numThreads = 1
  ort.env.wasm.proxy = false
  ort.env.wasm.wasmPaths = {
    mjs: pathToFileURL(join(ortDist, `ort-wasm-simd-threaded${job.build}.mjs`)).href,
    wasm: pathToFileURL(join(ortDist, `ort-wasm-simd-threaded${job.build}.wasm`)).href,
  }
  ort.env.wasm.wasmBinary = await readFile(join(ortDist, `ort-wasm-simd-threaded${job.build}.wasm`))
  // In Node, Transformers.js hands the runtime a file path (as onnxruntime-node takes); a browser would hand bytes.
  const create = ort.InferenceSession.create.bind(ort.InferenceSession)
  const InferenceSession = { create: async (model: unknown, options: unknown) => create(typeof model === 'string' ? await readFile(model) : model, options) }
  ;(globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = { ...ort, InferenceSession }
  const tjs = await import('@huggingface/transformers')
  tjs.env.allowRemoteModels = false
  tjs.env.allowLocalModels = true
  tjs.env.localModelPath = `${job.root}/`
  tjs.env.useWasmCache = false
  tjs.env.useFSCache = false

  const cells: LatencyCell[] = []
  let warmed = false
  for (const m of job.models) {
    await writeTjsFolder(job.root, m)
    const classify = await tjs.pipeline('text-classification', m.folder, {
      dtype: 'q8',
      local_files_only: true,
      // 'auto' = every device of the hooked runtime; onnxruntime-web's wasm bundle registers only wasm (as 'cpu' and 'wasm').
      device: 'auto',
    })
    if (!warmed) {
      // V8 tiers Wasm up from Liftoff while it runs (see bench/runners/ort.ts): burn that in first.
      await warmUntilSettled(() => classify(m.shapes[0]?.texts[0] ?? '').then(() => undefined), job.warmMs)
      warmed = true
    }
    for (const shape of m.shapes) {
      const tokens = (classify.tokenizer(shape.texts, { padding: true }) as { input_ids: { dims: number[] } }).input_ids.dims
      if (tokens[1] !== shape.seq) throw new Error(`Transformers.js tokenizes ${m.id}'s ${shape.seq}-token texts to ${tokens[1]} tokens`)
      const input = shape.batch === 1 ? (shape.texts[0] ?? '') : shape.texts
      const samples_ms = await timeLoop(() => classify(input), job.loop)
      cells.push({ model: m.id, method: job.build === '' ? 'transformers-js-plain' : 'transformers-js', variant: m.variant, batch: shape.batch, seq: shape.seq, samples_ms })
      process.stderr.write(`${m.id} transformers-js${job.build} ${m.variant} ${shape.batch}x${shape.seq}: n=${samples_ms.length}\n`)
    }
    await classify.dispose()
  }
  return cells
}

if (process.argv[2] !== undefined && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const cells = await main(JSON.parse(await readFile(process.argv[2], 'utf8')) as TjsJob)
  process.stdout.write(`${JSON.stringify(cells)}\n`)
}
