/**
 * A ClassifierSession over onnxruntime-web in Node: the Worker's Wasm build
 * and session options, so the pipeline can check that a graph loads and runs
 * in the engine that will serve it (src/runtime/ort.ts itself imports the
 * .wasm as a Worker module, which Node cannot load).
 */
import * as ort from 'onnxruntime-web/wasm'
import { DEFAULT_SESSION_OPTIONS, webSessionOptions } from '../src/runtime/ort-options.ts'
import type { ClassifierSession, Int64Input, LogitsOutput } from '../src/runtime/session.ts'

ort.env.wasm.numThreads = 1
ort.env.logLevel = 'error'

/** Opens an ONNX model (bytes) with onnxruntime-web as the Worker would; the graph must output `logits`. */
export async function openWebSession(bytes: Uint8Array): Promise<ClassifierSession> {
  const session = await ort.InferenceSession.create(bytes, webSessionOptions(DEFAULT_SESSION_OPTIONS))
  return {
    inputNames: session.inputNames,
    async run(feeds: Record<string, Int64Input>): Promise<LogitsOutput> {
      const tensors: Record<string, ort.Tensor> = {}
      for (const name of session.inputNames) {
        const feed = feeds[name]
        if (feed === undefined) throw new Error(`Missing input "${name}"; the model reads ${session.inputNames.join(', ')}.`)
        tensors[name] = new ort.Tensor('int64', feed.data, feed.dims)
      }
      const logits = (await session.run(tensors, ['logits'])).logits
      if (logits === undefined || logits.type !== 'float32' || logits.dims.length !== 2) {
        throw new Error('The model returned no float32 [batch, num_labels] "logits".')
      }
      return { data: logits.data as Float32Array, dims: [logits.dims[0] ?? 0, logits.dims[1] ?? 0] }
    },
    release: () => session.release(),
  }
}
