/**
 * A ClassifierSession over onnxruntime-web in Node: the Worker's Wasm build
 * and session options, so the pipeline can check that a graph loads and runs
 * in the engine that will serve it (src/ort/ort.ts itself imports the
 * .wasm as a Worker module, which Node cannot load).
 */
import * as ort from 'onnxruntime-web/wasm'
import { DEFAULT_SESSION_OPTIONS, webSessionOptions } from '../../src/core/inference/ort-options.ts'
import type { ClassifierSession } from '../../src/core/inference/session.ts'
import { logitsSession } from './session.ts'

ort.env.wasm.numThreads = 1
ort.env.logLevel = 'error'

/** Opens an ONNX model (bytes) with onnxruntime-web as the Worker would; the graph must output `logits` [batch, num_labels]. */
export async function openWebSession(bytes: Uint8Array): Promise<ClassifierSession> {
  const session = await ort.InferenceSession.create(bytes, webSessionOptions(DEFAULT_SESSION_OPTIONS))
  return logitsSession(session, (data, dims) => new ort.Tensor('int64', data, dims))
}
