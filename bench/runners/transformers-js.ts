/**
 * Transformers.js' text-classification pipeline, WASM backend, one thread, on
 * the benchmark's own weights and tokenizer; no network. Runs in its own
 * process (it brings its own onnxruntime-web build):
 *
 *   node bench/runners/transformers-js.ts job.json   → prints { cells: LatencyCell[], batches: TjsBatchCell[] } as JSON
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
import type { Distribution } from '../corpus.ts'
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
    /** corpus batches (bench/corpus.ts): one pipeline call on the whole batch, truncated at `maxLength` tokens */
    batches?: Array<{ distribution: Distribution; texts: string[]; maxLength: number }>
  }>
  /** the loop for corpus batches (slow: one call pads the whole batch) */
  batchLoop?: LoopOptions
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

/** The padding token of a tokenizer.json: its `padding` setting, else the added token [PAD] or <pad>. */
async function padTokenOf(tokenizerJson: string): Promise<string | undefined> {
  const t = JSON.parse(await readFile(tokenizerJson, 'utf8')) as {
    padding?: { pad_token?: string } | null
    added_tokens?: Array<{ content: string }>
  }
  return t.padding?.pad_token ?? t.added_tokens?.find((x) => x.content === '[PAD]' || x.content === '<pad>')?.content
}

/** One corpus batch timed through the pipeline (`stdout` carries these beside the latency cells). */
export interface TjsBatchCell {
  model: string
  variant: Variant
  distribution: Distribution
  size: number
  /** the pipeline's padded [batch, sequence], for the report */
  padded: number[]
  samples_ms: number[]
}

async function main(job: TjsJob): Promise<{ cells: LatencyCell[]; batches: TjsBatchCell[] }> {
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
  const InferenceSession = {
    create: async (model: unknown, options: unknown) => create(typeof model === 'string' ? await readFile(model) : model, options),
  }
  ;(globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = { ...ort, InferenceSession }
  const tjs = await import('@huggingface/transformers')
  tjs.env.allowRemoteModels = false
  tjs.env.allowLocalModels = true
  tjs.env.localModelPath = `${job.root}/`
  tjs.env.useWasmCache = false
  tjs.env.useFSCache = false

  const cells: LatencyCell[] = []
  const batchCells: TjsBatchCell[] = []
  let warmed = false
  for (const m of job.models) {
    // The pipeline truncates at the tokenizer's model_max_length, where every method cuts corpus batches, and
    // pads with tokenizer_config's pad_token (without one it pads with undefined ids and fails).
    const maxLength = m.batches?.[0]?.maxLength
    const padToken = maxLength === undefined ? undefined : await padTokenOf(m.tokenizerJson)
    await writeTjsFolder(
      job.root,
      maxLength === undefined
        ? m
        : {
            ...m,
            tokenizerConfig: {
              ...m.tokenizerConfig,
              model_max_length: maxLength,
              ...(padToken === undefined ? {} : { pad_token: padToken }),
            },
          },
    )
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
      cells.push({
        model: m.id,
        method: job.build === '' ? 'transformers-js-plain' : 'transformers-js',
        variant: m.variant,
        batch: shape.batch,
        seq: shape.seq,
        samples_ms,
      })
      process.stderr.write(`${m.id} transformers-js${job.build} ${m.variant} ${shape.batch}x${shape.seq}: n=${samples_ms.length}\n`)
    }
    for (const batch of m.batches ?? []) {
      const padded = (classify.tokenizer(batch.texts, { padding: true, truncation: true }) as { input_ids: { dims: number[] } }).input_ids
        .dims
      const samples_ms = await timeLoop(() => classify(batch.texts, { top_k: null }), job.batchLoop ?? job.loop)
      batchCells.push({ model: m.id, variant: m.variant, distribution: batch.distribution, size: batch.texts.length, padded, samples_ms })
      process.stderr.write(
        `${m.id} transformers-js${job.build} ${m.variant} ${batch.distribution} x${batch.texts.length} (padded ${padded.join('x')}): n=${samples_ms.length}\n`,
      )
    }
    await classify.dispose()
  }
  return { cells, batches: batchCells }
}

if (process.argv[2] !== undefined && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = await main(JSON.parse(await readFile(process.argv[2], 'utf8')) as TjsJob)
  process.stdout.write(`${JSON.stringify(out)}\n`)
}
