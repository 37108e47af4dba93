/**
 * A hard maximum for ORT's Wasm memory. Emscripten creates the heap with
 * `new WebAssembly.Memory` and grows it on demand up to the descriptor's
 * `maximum`; past it, growth fails, malloc returns null and onnxruntime-web
 * reports `std::bad_alloc` for that session creation or run, while the isolate
 * and its other sessions go on serving (docs/memory.md). Without a cap the
 * heap would grow until Cloudflare ends the isolate, and every request in it.
 */

const PAGE_BYTES = 65_536

/**
 * Makes the next `WebAssembly.Memory` created, ORT's heap, stop at `maxBytes`.
 * Call it before ORT's backend starts; later memories are not touched.
 */
export function capWasmMemory(maxBytes: number): void {
  const Memory = WebAssembly.Memory
  const pages = Math.floor(maxBytes / PAGE_BYTES)
  function CappedMemory(descriptor: WebAssembly.MemoryDescriptor): WebAssembly.Memory {
    WebAssembly.Memory = Memory
    const maximum = Math.max(descriptor.initial, Math.min(descriptor.maximum ?? pages, pages))
    return new Memory({ ...descriptor, maximum })
  }
  CappedMemory.prototype = Memory.prototype
  WebAssembly.Memory = CappedMemory as unknown as typeof WebAssembly.Memory
}
