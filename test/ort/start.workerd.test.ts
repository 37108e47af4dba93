import { describe, expect, it } from 'vitest'
import { wasmMemoryBytes } from '../../src/ort/ort.ts'

describe("ORT's Wasm backend", () => {
  it('starts when the Worker module loads, before any request asks for a model', async () => {
    expect(wasmMemoryBytes()).toBe(0) // nothing in this isolate has started it yet
    await import('../../src/index.ts')
    // The start needs no I/O; give it a bounded number of event-loop turns.
    for (let i = 0; i < 400 && wasmMemoryBytes() === 0; i++) await new Promise((r) => setTimeout(r, 5))
    expect(wasmMemoryBytes()).toBeGreaterThan(0)
  })
})
