/**
 * Wasm footprint and warm latency of each model family at its popular size,
 * under onnxruntime-web in Node (the Worker's .wasm, allocator and session
 * options), one fresh process per model because Wasm memory never shrinks.
 * The served graph is what `publish` makes of a seeded checkpoint of the
 * family's shape (convert, int8, verify, ORT's saved optimizations).
 *
 *   node bench/families.ts [--json]  # all families (npm run bench measures them too)
 *   node bench/families.ts distilbert-base
 *   node bench/families.ts --levers distilbert-base
 *
 * Per model: the served file's size; the Wasm memory once the session exists
 * (its high-water mark: the model bytes ORT copies in, its initializers, the
 * session); the load peak of the isolate, those bytes still held by JS plus
 * the Wasm memory; the Wasm memory after a 1×128 and an 8×128 run; and the
 * median of 20 warm 1×128 runs.
 *
 * --levers loads one served model in the forms that might lower the load
 * peak: ORT format (.ort, saved by onnxruntime-node) as onnxruntime-web
 * loads it by default (session.use_ort_model_bytes_directly), the same with
 * session.use_ort_model_bytes_for_initializers, and every initializer moved
 * to an external data file mounted through `externalData`, and that file
 * handed over as one buffer per tensor, each dropped once ORT has copied it
 * ('external-pieces': onnxruntime-web reads mounted data synchronously, one
 * `subarray(offset, offset + length)` per initializer); each with the logits
 * of a fixed input, so a form that computes something else shows. For
 * 'external-pieces' the load peak is the largest sum, during the load, of the
 * pieces still referenced and the Wasm memory.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as ortNode from 'onnxruntime-node'
import { generateCheckpoint } from '../scripts/checkpoint/generate.ts'
import { type ExternalRange, toExternalData } from '../scripts/onnx/external-data.ts'
import { artifactsDir, tokenizerFile } from '../scripts/paths.ts'
import { prepareModel } from '../scripts/publish/prepare.ts'
import { ExternalDataPieces } from '../src/core/inference/external-data.ts'
import { DEFAULT_SESSION_OPTIONS, webSessionOptions } from '../src/core/inference/ort-options.ts'
import { compileTokenizer, loadTokenizer } from '../src/core/tokenizers/index.ts'
import { ortWithHeap } from './ort-heap.ts'
import type { FamilyRow } from './report.ts'

/** An int64 [b, t] tensor of `ort`, element i = fill(i). */
const int64Tensor = (ort: Awaited<ReturnType<typeof ortWithHeap>>['ort'], b: number, t: number, fill: (i: number) => number) =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from({ length: b * t }, (_, i) => BigInt(fill(i))),
    [b, t],
  )

/** Family, the HF checkpoint whose shape the preset copies, and the preset. */
const FAMILIES: Array<{ family: string; shape: string; preset: string }> = [
  { family: 'TinyBERT', shape: 'huawei-noah/TinyBERT_General_4L_312D', preset: 'tinybert-4l-312' },
  { family: 'ERNIE 3.0', shape: 'nghuyong/ernie-3.0-nano-zh', preset: 'ernie-3.0-nano' },
  { family: 'MiniLM', shape: 'nreimers/MiniLM-L6-H384-uncased', preset: 'minilm-l6-h384' },
  { family: 'MiniLM', shape: 'microsoft/MiniLM-L12-H384-uncased', preset: 'minilm-l12-h384' },
  { family: 'DistilBERT', shape: 'distilbert-base-uncased', preset: 'distilbert-base' },
]

const dir = join(artifactsDir, 'families')
const MiB = (n: number): number => Math.round((n / 2 ** 20) * 10) / 10

/** The served int8 graph of a preset, built once and cached under .artifacts/families. */
async function served(preset: string): Promise<string> {
  const file = join(dir, `${preset}.int8.onnx`)
  if (existsSync(file)) return file
  const checkpoint = join(dir, preset)
  await generateCheckpoint({ preset, seed: 1, outDir: checkpoint })
  const tokenizer = loadTokenizer(compileTokenizer(readFileSync(tokenizerFile('electra-small', 'tokenizer.json'), 'utf8')))
  const model = await prepareModel(checkpoint, {
    precision: 'int8',
    tokenizer,
    onProgress: (m) => process.stderr.write(`  ${preset}: ${m}\n`),
  })
  await writeFile(file, model.served)
  await writeFile(
    join(dir, `${preset}.json`),
    JSON.stringify({ inputs: model.inputs, verification: model.verification, fused: model.quantization?.fused }),
  )
  return file
}

type Row = Omit<FamilyRow, 'family' | 'shape' | 'preset'>

/** Every family (or the one preset), each measured in a process of its own. */
async function measureAll(only: string | undefined): Promise<FamilyRow[]> {
  await mkdir(dir, { recursive: true })
  const self = fileURLToPath(import.meta.url)
  const rows: FamilyRow[] = []
  for (const f of FAMILIES.filter((x) => only === undefined || x.preset === only)) {
    const file = await served(f.preset)
    const meta = JSON.parse(readFileSync(join(dir, `${f.preset}.json`), 'utf8')) as { inputs: string[] }
    const out = execFileSync(process.execPath, [self, '--child', file, meta.inputs.join(',')], { encoding: 'utf8', maxBuffer: 1 << 24 })
    rows.push({ ...f, ...(JSON.parse(out.trim().split('\n').pop() ?? '{}') as Row) })
  }
  return rows
}

async function child(file: string, inputs: string[]): Promise<Row> {
  const { ort, heapBytes } = await ortWithHeap()
  const wasm = heapBytes
  let bytes: Uint8Array | undefined = new Uint8Array(readFileSync(file))
  const fileBytes = bytes.byteLength
  const session = await ort.InferenceSession.create(bytes, webSessionOptions(DEFAULT_SESSION_OPTIONS))
  const loaded = wasm()
  bytes = undefined
  const feeds = (b: number, t: number): Record<string, InstanceType<typeof ort.Tensor>> => {
    const tensor = (fill: (i: number) => number) => int64Tensor(ort, b, t, fill)
    const all: Record<string, InstanceType<typeof ort.Tensor>> = {
      input_ids: tensor((i) => 1000 + (i % 997)),
      attention_mask: tensor(() => 1),
      token_type_ids: tensor(() => 0),
    }
    return Object.fromEntries(inputs.map((n) => [n, all[n] as InstanceType<typeof ort.Tensor>]))
  }
  const one = feeds(1, 128)
  for (let i = 0; i < 3; i++) await session.run(one)
  const times: number[] = []
  for (let i = 0; i < 20; i++) {
    const start = performance.now()
    await session.run(one)
    times.push(performance.now() - start)
  }
  const after1 = wasm()
  await session.run(feeds(8, 128))
  times.sort((a, b) => a - b)
  return {
    file_mib: MiB(fileBytes),
    wasm_loaded_mib: MiB(loaded),
    load_peak_mib: MiB(loaded + fileBytes),
    wasm_1x128_mib: MiB(after1),
    wasm_8x128_mib: MiB(wasm()),
    warm_1x128_ms: Math.round((times[10] ?? 0) * 10) / 10,
  }
}

/** The served model with its initializers as ONNX external data: `<preset>.ext.onnx` and `<preset>.ext.data`. */
async function externalForm(preset: string): Promise<void> {
  const { graph, data, ranges } = toExternalData(readFileSync(join(dir, `${preset}.int8.onnx`)), { location: 'model.data' })
  await writeFile(join(dir, `${preset}.ext.onnx`), graph)
  await writeFile(join(dir, `${preset}.ext.data`), data)
  await writeFile(join(dir, `${preset}.ext.json`), JSON.stringify(ranges))
}

/** The served model in ORT format, as onnxruntime-node saves it (no further optimization). */
async function ortForm(preset: string): Promise<void> {
  const session = await ortNode.InferenceSession.create(join(dir, `${preset}.int8.onnx`), {
    graphOptimizationLevel: 'disabled',
    optimizedModelFilePath: join(dir, `${preset}.int8.ort`),
    extra: { session: { save_model_format: 'ORT' } },
  } as ortNode.InferenceSession.SessionOptions)
  await session.release()
}

type Form = 'onnx' | 'ort' | 'ort-initializers' | 'external' | 'external-pieces'

/** ExternalDataPieces that records, at each hand-over, the pieces still held plus the Wasm memory. */
class MeasuredPieces extends ExternalDataPieces {
  readonly #onTake: (held: number) => void
  constructor(size: number, pieces: Map<number, Uint8Array<ArrayBuffer>>, onTake: (held: number) => void) {
    super(size, pieces)
    this.#onTake = onTake
  }
  override subarray(begin?: number, end?: number): Uint8Array<ArrayBuffer> {
    this.#onTake(this.held)
    return super.subarray(begin, end)
  }
}

async function leverChild(preset: string, form: Form, shape: string, inputs: string[]): Promise<Record<string, unknown>> {
  const { ort, heapBytes } = await ortWithHeap()
  const options: ReturnType<typeof webSessionOptions> & {
    extra: { session: Record<string, string> }
    externalData?: Array<{ path: string; data: Uint8Array }>
  } = webSessionOptions(DEFAULT_SESSION_OPTIONS)
  if (form === 'ort-initializers') options.extra.session.use_ort_model_bytes_for_initializers = '1'
  const file = form.startsWith('external') ? `${preset}.ext.onnx` : form === 'onnx' ? `${preset}.int8.onnx` : `${preset}.int8.ort`
  let bytes: Uint8Array | undefined = new Uint8Array(readFileSync(join(dir, file)))
  let data: Uint8Array | undefined = form === 'external' ? new Uint8Array(readFileSync(join(dir, `${preset}.ext.data`))) : undefined
  let peak = 0
  if (form === 'external-pieces') {
    const whole = readFileSync(join(dir, `${preset}.ext.data`))
    const ranges = JSON.parse(readFileSync(join(dir, `${preset}.ext.json`), 'utf8')) as ExternalRange[]
    const pieces = new Map(ranges.map((r) => [r.offset, new Uint8Array(whole.subarray(r.offset, r.offset + r.length))]))
    data = new MeasuredPieces(whole.byteLength, pieces, (held) => {
      peak = Math.max(peak, held + heapBytes())
    })
  }
  if (data) options.externalData = [{ path: 'model.data', data }]
  const held = bytes.byteLength + (form === 'external' ? (data?.byteLength ?? 0) : 0)
  const session = await ort.InferenceSession.create(bytes, options as Parameters<typeof ort.InferenceSession.create>[1])
  const loaded = heapBytes()
  bytes = undefined
  data = undefined
  delete options.externalData
  const run = async (b: number, t: number): Promise<number[]> => {
    const tensor = (fill: (i: number) => number) => int64Tensor(ort, b, t, fill)
    const all: Record<string, InstanceType<typeof ort.Tensor>> = {
      input_ids: tensor((i) => 1000 + ((i * 37) % 997)),
      attention_mask: tensor(() => 1),
      token_type_ids: tensor(() => 0),
    }
    const out = await session.run(Object.fromEntries(inputs.map((n) => [n, all[n] as InstanceType<typeof ort.Tensor>])))
    return Array.from((out.logits?.data as Float32Array | undefined) ?? []).slice(0, 2)
  }
  const logits = await run(1, 16)
  const [b = 1, t = 128] = shape.split('x').map(Number)
  await run(b, t)
  return {
    form,
    shape,
    held_by_js_mib: MiB(held),
    wasm_loaded_mib: MiB(loaded),
    load_peak_mib: MiB(form === 'external-pieces' ? Math.max(peak, loaded) + held : loaded + held),
    wasm_after_run_mib: MiB(heapBytes()),
    logits: logits.map((v) => v.toFixed(5)),
  }
}

if (process.argv[2] === '--child') {
  const [, , , file = '', inputs = ''] = process.argv
  console.log(JSON.stringify(await child(file, inputs.split(','))))
} else if (process.argv[2] === '--lever-child') {
  const [, , , preset = '', form = 'onnx', shape = '1x128', inputs = ''] = process.argv
  console.log(JSON.stringify(await leverChild(preset, form as Form, shape, inputs.split(','))))
} else if (process.argv[2] === '--levers') {
  const preset = process.argv[3] ?? 'distilbert-base'
  await mkdir(dir, { recursive: true })
  await served(preset)
  await ortForm(preset)
  await externalForm(preset)
  const meta = JSON.parse(readFileSync(join(dir, `${preset}.json`), 'utf8')) as { inputs: string[] }
  const self = fileURLToPath(import.meta.url)
  const runs: Array<[Form, string]> = [
    ['onnx', '8x128'],
    ['ort', '8x128'],
    ['ort-initializers', '1x16'],
    ['external', '1x128'],
    ['external', '2x128'],
    ['external', '1x256'],
    ['external', '4x128'],
    ['external', '2x256'],
    ['external', '1x512'],
    ['external', '8x128'],
    ['external-pieces', '4x128'],
  ]
  for (const [form, shape] of runs) {
    console.log(
      execFileSync(process.execPath, [self, '--lever-child', preset, form, shape, meta.inputs.join(',')], {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      })
        .trim()
        .split('\n')
        .pop(),
    )
  }
} else {
  // [--json] [preset]: a Markdown table, or the rows as JSON for bench/run.ts.
  const json = process.argv.includes('--json')
  const only = process.argv.slice(2).find((a) => a !== '--json')
  const rows = await measureAll(only)
  if (json) console.log(JSON.stringify(rows))
  else {
    console.log(
      '| family | shape (preset) | int8 file | Wasm after load | load peak (JS bytes + Wasm) | Wasm after 1×128 | after 8×128 | warm 1×128 |',
    )
    console.log('|---|---|---|---|---|---|---|---|')
    for (const r of rows) {
      console.log(
        `| ${r.family} | ${r.shape} (\`${r.preset}\`) | ${r.file_mib} MiB | ${r.wasm_loaded_mib} MiB | ${r.load_peak_mib} MiB | ${r.wasm_1x128_mib} MiB | ${r.wasm_8x128_mib} MiB | ${r.warm_1x128_ms} ms |`,
      )
    }
  }
}
