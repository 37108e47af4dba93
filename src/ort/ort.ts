/**
 * onnxruntime-web inside workerd. This is the only module that imports
 * onnxruntime-web.
 *
 * workerd refuses to compile WebAssembly from bytes, so ORT's Emscripten
 * module cannot fetch or compile its `.wasm` itself. The `.wasm` is imported
 * as a module instead (wrangler.toml's CompiledWasm rule makes the import a
 * precompiled `WebAssembly.Module`), and Emscripten is handed that module:
 * ORT's factory (wasm-factory.ts) passes only `numThreads`, `wasmBinary` and
 * `locateFile` to Emscripten, so there is no public `instantiateWasm` hook.
 * We give ORT a marker `wasmBinary` (skips every fetch and path guess) and,
 * for the one call that initializes the backend, route
 * `WebAssembly.instantiate(marker, imports)` to the precompiled module.
 */
import * as ort from 'onnxruntime-web/wasm'
// wrangler's module collector resolves Wasm imports by relative path only, not through package exports.
import ortWasmModule from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm'
import { DEFAULT_SESSION_OPTIONS, type OrtSessionOptions, webSessionOptions } from '../core/inference/ort-options.ts'
import { type ClassifierSession, graphFeed, type Int64Input, type LogitsOutput } from '../core/inference/session.ts'
import { STARTER_MODELS, STARTER_VOCAB } from '../core/inference/starter-models.ts'
import { AppError, isKind } from '../core/errors.ts'

export { DEFAULT_SESSION_OPTIONS, type OrtSessionOptions } from '../core/inference/ort-options.ts'

/**
 * A valid Wasm header followed by a custom section named "edge-classify":
 * recognisable by content, because Emscripten copies the buffer before use.
 */
const MARKER = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x0d, 0x65, 0x64, 0x67, 0x65, 0x2d, 0x63, 0x6c, 0x61, 0x73, 0x73, 0x69, 0x66,
  0x79,
])

function isMarker(source: unknown): boolean {
  const bytes = ArrayBuffer.isView(source)
    ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
    : source instanceof ArrayBuffer
      ? new Uint8Array(source)
      : undefined
  return bytes !== undefined && bytes.length === MARKER.length && bytes.every((b, i) => b === MARKER[i])
}

/** ORT's Wasm memory, captured from the imports when the backend starts (for memory reporting). */
let wasmMemory: WebAssembly.Memory | undefined

ort.env.wasm.numThreads = 1
ort.env.wasm.proxy = false
ort.env.wasm.wasmBinary = MARKER
ort.env.logLevel = 'error'

type Instantiate = (source: unknown, imports?: WebAssembly.Imports) => Promise<unknown>

function findMemory(imports: WebAssembly.Imports | undefined): WebAssembly.Memory | undefined {
  for (const ns of Object.values(imports ?? {})) {
    for (const value of Object.values(ns)) if (value instanceof WebAssembly.Memory) return value
  }
  return undefined
}

/** Settles once ORT's Wasm backend has started (or failed to) in this isolate. */
let backendStarted: Promise<void> | undefined

/**
 * Runs `create` with `WebAssembly.instantiate(MARKER, imports)` routed to the
 * precompiled module. ORT instantiates its Wasm once, inside the first
 * `InferenceSession.create`, so the detour only lives for that call.
 */
async function withPrecompiledWasm<T>(create: () => Promise<T>): Promise<T> {
  const wasmApi = WebAssembly as unknown as { instantiate: Instantiate }
  const original = wasmApi.instantiate
  wasmApi.instantiate = async (source, imports) => {
    if (!isMarker(source)) return original.call(WebAssembly, source, imports)
    wasmMemory = findMemory(imports)
    const instance = await original.call(WebAssembly, ortWasmModule, imports)
    return { instance, module: ortWasmModule }
  }
  try {
    return await create()
  } finally {
    wasmApi.instantiate = original
  }
}

class OrtWebSession implements ClassifierSession {
  readonly inputNames: readonly string[]
  readonly #session: ort.InferenceSession
  readonly #output: string

  constructor(session: ort.InferenceSession) {
    this.#session = session
    this.inputNames = session.inputNames
    this.#output = session.outputNames.includes('logits') ? 'logits' : (session.outputNames[0] ?? 'logits')
  }

  async run(feeds: Record<string, Int64Input>): Promise<LogitsOutput> {
    const tensors: Record<string, ort.Tensor> = {}
    for (const name of this.inputNames) {
      const feed = graphFeed(name, feeds)
      if (feed === undefined) throw new AppError('ort_error', `The model needs input "${name}", which was not provided.`)
      tensors[name] = new ort.Tensor('int64', feed.data, feed.dims)
    }
    const result = await this.#session.run(tensors, [this.#output])
    const logits = result[this.#output]
    if (logits === undefined || logits.type !== 'float32' || logits.dims.length !== 2) {
      throw new AppError('ort_error', `The model's "${this.#output}" output is not a float32 [batch, num_labels] tensor.`)
    }
    const data = logits.data as Float32Array
    const dims: [number, number] = [logits.dims[0] ?? 0, logits.dims[1] ?? 0]
    logits.dispose()
    return { data, dims }
  }

  release(): Promise<void> {
    return this.#session.release()
  }
}

/**
 * Creates a session from ONNX bytes. ORT copies the bytes into its heap and
 * frees that copy once the session exists; the caller should drop its own
 * reference too, so that only the session's initializers stay resident.
 */
export async function createSession(model: Uint8Array, options: OrtSessionOptions = DEFAULT_SESSION_OPTIONS): Promise<ClassifierSession> {
  const create = () => ort.InferenceSession.create(model, webSessionOptions(options))
  try {
    if (backendStarted === undefined) {
      const first = withPrecompiledWasm(create)
      // A failed first call lets the next one try again (ORT remembers a failed Wasm start itself).
      backendStarted = first.then(
        () => undefined,
        () => {
          backendStarted = undefined
        },
      )
      return new OrtWebSession(await first)
    }
    await backendStarted
    return new OrtWebSession(await create())
  } catch (cause) {
    if (isKind(cause, 'ort_error')) throw cause
    throw new AppError('ort_error', `onnxruntime-web could not create a session: ${String(cause)}`, { cause })
  }
}

/** [batch, sequence] shapes each starter graph runs once: one row, and a padded batch. */
const STARTER_SHAPES: ReadonlyArray<[number, number]> = [
  [1, 16],
  [2, 64],
]

function starterFeeds(batch: number, seq: number): Record<string, Int64Input> {
  const dims: [number, number] = [batch, seq]
  const ids = new BigInt64Array(batch * seq)
  for (let i = 0; i < ids.length; i++) ids[i] = BigInt(i % STARTER_VOCAB)
  return {
    input_ids: { data: ids, dims },
    attention_mask: { data: new BigInt64Array(batch * seq).fill(1n), dims },
    token_type_ids: { data: new BigInt64Array(batch * seq), dims },
  }
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

let starting: Promise<void> | undefined

/**
 * Starts ORT's Wasm backend in this isolate before any model is asked for,
 * and runs the starter graphs (tiny int8 ELECTRA and ALBERT with the served
 * operator set, src/core/inference/starter-models.ts) through it. The Worker calls it
 * at module scope, so what a fresh isolate's first request would otherwise
 * pay happens while the isolate starts: Emscripten's runtime, ORT's
 * environment and kernel registry, and V8's lazy compilation of every Wasm
 * function that session creation and the served kernels call on first use
 * (V8 drops that baseline-compiled code whenever another isolate starts in
 * the process: docs/benchmarks.md, "Where the startup's compiled code goes").
 * It needs no I/O, so workerd lets it run there. Idempotent; never rejects:
 * if it fails, the first model load starts the backend as before.
 */
export function startBackend(): Promise<void> {
  starting ??= runStarters().catch(() => undefined)
  return starting
}

/**
 * Creates a session from each starter graph, runs its shapes and releases it.
 * `startBackend` runs it once per isolate; the benchmark runs it again inside
 * a first request, to see whether the code compiled at startup survived.
 */
export async function runStarters(): Promise<void> {
  for (const model of STARTER_MODELS) {
    const session = await createSession(fromBase64(model))
    try {
      for (const [batch, seq] of STARTER_SHAPES) await session.run(starterFeeds(batch, seq))
    } finally {
      await session.release()
    }
  }
}

/** Bytes of ORT's Wasm linear memory (grows, never shrinks); 0 before the backend starts. */
export function wasmMemoryBytes(): number {
  return wasmMemory?.buffer.byteLength ?? 0
}
