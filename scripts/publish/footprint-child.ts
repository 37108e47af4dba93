/**
 * One footprint measurement in a fresh process (Wasm memory never shrinks,
 * and freed space is reused, so measurements cannot share an instance). ORT
 * starts on the Worker's starter graphs, as an isolate starts it; then
 * - `peak`: the model's session and its largest allowed runs: the heap's
 *   high-water mark with this model alone;
 * - `resident`: four sessions of the model, no runs: from the second on, each
 *   creation reuses the previous one's freed scratch space, so the growth per
 *   session is what a loaded session keeps.
 * Prints the heap sizes as JSON on stdout.
 *
 *   node scripts/publish/footprint-child.ts peak|resident <model.onnx> <max_length>
 */
import { readFile } from 'node:fs/promises'
import { DEFAULT_BATCH_BUDGET } from '../../src/core/inference/classifier.ts'
import type { Int64Input } from '../../src/core/inference/session.ts'
import { STARTER_MODELS, STARTER_VOCAB } from '../../src/core/inference/starter-models.ts'
import { largestRuns } from './footprint.ts'

// Node's types leave WebAssembly.Memory out; these are the parts used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer
}
type MemoryConstructor = new (descriptor: object) => WasmMemory
const wasm = (globalThis as unknown as { WebAssembly: { Memory: MemoryConstructor } }).WebAssembly
let memory: WasmMemory | undefined
const Memory = wasm.Memory
function Recorded(descriptor: object): WasmMemory {
  memory = new Memory(descriptor)
  return memory
}
Recorded.prototype = Memory.prototype
wasm.Memory = Recorded as unknown as MemoryConstructor
const heap = (): number => memory?.buffer.byteLength ?? 0

// After the hook: ORT creates its heap when it first starts.
const { openWebSession } = await import('../ort/web.ts')

function feeds(names: readonly string[], rows: number, length: number, vocab: number): Record<string, Int64Input> {
  const dims: [number, number] = [rows, length]
  const ids = BigInt64Array.from({ length: rows * length }, (_, i) => BigInt((i * 7919) % vocab))
  const all: Record<string, Int64Input> = {
    input_ids: { data: ids, dims },
    attention_mask: { data: new BigInt64Array(rows * length).fill(1n), dims },
    token_type_ids: { data: new BigInt64Array(rows * length), dims },
  }
  return Object.fromEntries(names.filter((n) => n in all).map((n) => [n, all[n] as Int64Input]))
}

const [mode, file, maxLengthArg] = process.argv.slice(2)
if ((mode !== 'peak' && mode !== 'resident') || file === undefined || maxLengthArg === undefined) {
  throw new Error('usage: footprint-child.ts peak|resident <model.onnx> <max_length>')
}
for (const starter of STARTER_MODELS) {
  const session = await openWebSession(Uint8Array.from(atob(starter), (c) => c.charCodeAt(0)))
  await session.run(feeds(session.inputNames, 2, 64, STARTER_VOCAB))
  await session.release()
}
const model = new Uint8Array(await readFile(file))
const heaps = [heap()]
if (mode === 'peak') {
  const session = await openWebSession(model)
  // Ids stay below the smallest vocabulary of the supported families; their values do not change memory.
  for (const [rows, length] of largestRuns(Number(maxLengthArg), DEFAULT_BATCH_BUDGET))
    await session.run(feeds(session.inputNames, rows, length, 1000))
  heaps.push(heap())
} else {
  for (let i = 0; i < 4; i++) {
    await openWebSession(model)
    heaps.push(heap())
  }
}
process.stdout.write(`${JSON.stringify(heaps)}\n`)
