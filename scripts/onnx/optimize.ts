/**
 * Offline graph optimization: the fusions onnxruntime applies when a session
 * is created (level 'extended': constant folding, Gelu/LayerNorm/attention and
 * MatMulIntegerToFloat fusions) are saved into the served model, so a cold
 * Worker's session creation has nothing left to rewrite. 'extended' and not
 * 'all': the 'all' level may add layout changes for the machine that runs the
 * optimizer, which is not the one that serves.
 *
 * The optimizer is native onnxruntime; the server is onnxruntime-web. So the
 * result is only used after it loads under onnxruntime-web and gives the same
 * logits there as the unoptimized graph does (both under onnxruntime-web:
 * native int8 kernels round differently, so native logits are no reference);
 * otherwise the unoptimized graph is served (the Worker optimizes it at load
 * time, as before).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ortNode from 'onnxruntime-node'
import type { ClassifierSession } from '../../src/core/inference/session.ts'
import type { EncodeInput } from '../../src/core/tokenizers/types.ts'
import { type Tokenizer } from '../../src/core/tokenizers/tokenizer.ts'
import { openWebSession } from '../ort/web.ts'
import { compareSessions } from '../verify/index.ts'

/** Largest logit difference accepted between the optimized and the input graph, both under onnxruntime-web. */
export const OPTIMIZE_TOLERANCE = 1e-3

export interface OptimizeOptions {
  tokenizer: Tokenizer
  texts: readonly EncodeInput[]
  max_length: number
  onProgress: (message: string) => void
}

export type OptimizeResult =
  | { optimized: true; model: Uint8Array; max_abs_diff: number }
  | { optimized: false; model: Uint8Array; reason: string }

/** Native onnxruntime's 'extended' optimizations, saved as ONNX bytes. */
export async function optimizeGraph(model: Uint8Array): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'edge-classify-optimize-'))
  try {
    const file = join(dir, 'model.onnx')
    const session = await ortNode.InferenceSession.create(model, {
      graphOptimizationLevel: 'extended',
      optimizedModelFilePath: file,
      intraOpNumThreads: 1,
    })
    await session.release()
    return new Uint8Array(await readFile(file))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Optimizes `model` and checks the result under onnxruntime-web; falls back to `model` when it does not hold. */
export async function optimizeForServing(model: Uint8Array, options: OptimizeOptions): Promise<OptimizeResult> {
  const say = options.onProgress
  say("saving onnxruntime's graph optimizations into the served model (level 'extended')")
  let optimized: Uint8Array
  try {
    optimized = await optimizeGraph(model)
  } catch (e) {
    return { optimized: false, model, reason: `onnxruntime-node could not optimize the graph: ${String(e)}` }
  }
  let web: ClassifierSession
  try {
    web = await openWebSession(optimized)
  } catch (e) {
    return { optimized: false, model, reason: `onnxruntime-web cannot load the optimized graph: ${String(e)}` }
  }
  const reference = await openWebSession(model)
  try {
    const encodings = options.texts.map((t) => options.tokenizer.encode(t, { max_length: options.max_length, truncation: true }))
    const { max_abs_diff, argmax_agreement } = await compareSessions(reference, web, encodings, options.texts)
    if (!(max_abs_diff <= OPTIMIZE_TOLERANCE) || argmax_agreement < 1) {
      return {
        optimized: false,
        model,
        reason: `the optimized graph's logits differ from the input graph's by up to ${max_abs_diff} (tolerance ${OPTIMIZE_TOLERANCE})`,
      }
    }
    return { optimized: true, model: optimized, max_abs_diff }
  } finally {
    await Promise.all([web.release(), reference.release()])
  }
}
