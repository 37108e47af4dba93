/**
 * onnxruntime-web in Node as the Worker runs it (one thread, the SIMD .wasm),
 * with a reader of its Wasm heap's size: the memory is captured from the
 * imports when ORT instantiates its module. Call it once per process, before
 * anything else imports onnxruntime-web (the heap never shrinks, so each
 * measurement wants a fresh process).
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export async function ortWithHeap(): Promise<{ ort: typeof import('onnxruntime-web/wasm'); heapBytes: () => number }> {
  const wasmApi = WebAssembly as unknown as { instantiate: (s: unknown, i?: WebAssembly.Imports) => Promise<unknown> }
  const original = wasmApi.instantiate
  let memory: WebAssembly.Memory | undefined
  wasmApi.instantiate = (source, imports) => {
    for (const ns of Object.values(imports ?? {})) for (const v of Object.values(ns)) if (v instanceof WebAssembly.Memory) memory = v
    return original.call(WebAssembly, source, imports)
  }
  const ort = await import('onnxruntime-web/wasm')
  ort.env.wasm.numThreads = 1
  ort.env.wasm.wasmBinary = readFileSync(fileURLToPath(import.meta.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm')))
  return { ort, heapBytes: () => memory?.buffer.byteLength ?? 0 }
}
