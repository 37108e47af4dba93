/**
 * A ClassifierSession over onnxruntime-node (native CPU, one thread), for the
 * pipeline: verification, smoke tests and benchmarks run the same classifier
 * code the Worker runs over onnxruntime-web.
 */
import * as ort from 'onnxruntime-node'
import type { ClassifierSession } from '../../src/core/inference/session.ts'
import { logitsSession } from './session.ts'

export interface NodeSessionOptions {
  /** default 1, like the Worker's single-threaded WASM */
  intraOpNumThreads?: number
  /** default 'all' */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all'
}

/** Opens an ONNX model (bytes) with onnxruntime-node; the graph must output `logits` [batch, num_labels]. */
export async function openNodeSession(bytes: Uint8Array, options: NodeSessionOptions = {}): Promise<ClassifierSession> {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: options.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
  })
  return logitsSession(session, (data, dims) => new ort.Tensor('int64', data, dims))
}
