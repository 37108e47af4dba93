/**
 * What a version takes in ORT's Wasm heap under onnxruntime-web, measured at
 * publish and recorded in the manifest (`footprint`), so that the Worker's
 * registry admits a model only when it fits its isolate's budget
 * (src/core/inference/budget.ts).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Footprint } from '../../src/core/inference/budget.ts'
import type { BatchBudget } from '../../src/core/inference/classifier.ts'

const run = promisify(execFile)

export interface MeasuredFootprint extends Footprint {
  /** the heap after ORT started on the starter graphs, before the model: what an isolate holds before any model */
  baseline_bytes: number
}

/**
 * The largest [rows, length] run at each of the longest lengths the batch
 * budget allows: the one long input, and the widest batches of half and a
 * quarter of it. Attention grows with length², hidden states with rows ×
 * length, so the peak is one of these.
 */
export function largestRuns(maxLength: number, budget: BatchBudget): Array<[number, number]> {
  const lengths = [maxLength, Math.floor(maxLength / 2), Math.floor(maxLength / 4)].filter((t) => t >= 8)
  return lengths.map((t) => [Math.max(1, Math.min(Math.floor(budget.tokens / t), Math.floor(budget.attention / (t * t)))), t])
}

/** Heap sizes from one fresh Node process running scripts/publish/footprint-child.ts. */
async function heaps(mode: 'peak' | 'resident', file: string, maxLength: number): Promise<number[]> {
  const child = join(import.meta.dirname, 'footprint-child.ts')
  const { stdout } = await run(process.execPath, [child, mode, file, String(maxLength)], { maxBuffer: 1 << 20 })
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as number[]
}

/**
 * Measures `model` under onnxruntime-web: what a loaded session keeps
 * (`session_bytes`), and the heap's growth with the model alone while it is
 * created and runs its largest allowed batches (`peak_bytes`).
 */
export async function measureFootprint(model: Uint8Array, maxLength: number): Promise<MeasuredFootprint> {
  const dir = await mkdtemp(join(tmpdir(), 'edge-classify-footprint-'))
  try {
    const file = join(dir, 'model.onnx')
    await writeFile(file, model)
    const [peak, resident] = await Promise.all([heaps('peak', file, maxLength), heaps('resident', file, maxLength)])
    const baseline = peak[0] ?? 0
    const at = (i: number): number => resident[i] ?? 0
    // Growth per session once scratch space is reused: the mean of the last two.
    const session = Math.max(0, Math.round((at(4) - at(2)) / 2))
    return { baseline_bytes: baseline, session_bytes: session, peak_bytes: Math.max(session, (peak[1] ?? 0) - baseline) }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
