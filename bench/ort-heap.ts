/**
 * onnxruntime-web in Node as the Worker runs it (one thread, the SIMD .wasm),
 * with a reader of its Wasm heap's size: the memory is captured from the
 * imports when ORT instantiates its module. Call it once per process, before
 * anything else imports onnxruntime-web (the heap never shrinks, so each
 * measurement wants a fresh process).
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The part of the WebAssembly global this reads; Node's types do not declare it. */
interface WasmGlobal {
  Memory: abstract new (...args: never[]) => { buffer: ArrayBuffer }
  instantiate: (source: unknown, imports?: Record<string, Record<string, unknown>>) => Promise<unknown>
}

export async function ortWithHeap(): Promise<{ ort: typeof import('onnxruntime-web/wasm'); heapBytes: () => number }> {
  const wasmApi = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly
  const original = wasmApi.instantiate
  let memory: { buffer: ArrayBuffer } | undefined
  wasmApi.instantiate = (source, imports) => {
    for (const ns of Object.values(imports ?? {})) for (const v of Object.values(ns)) if (v instanceof wasmApi.Memory) memory = v
    return original.call(wasmApi, source, imports)
  }
  const ort = await import('onnxruntime-web/wasm')
  ort.env.wasm.numThreads = 1
  ort.env.wasm.wasmBinary = readFileSync(fileURLToPath(import.meta.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm')))
  return { ort, heapBytes: () => memory?.buffer.byteLength ?? 0 }
}
