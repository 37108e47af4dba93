/**
 * A ClassifierSession over onnxruntime-node (native CPU, one thread), for the
 * pipeline: verification, smoke tests and benchmarks run the same classifier
 * code the Worker runs over onnxruntime-web.
 */
import * as ort from 'onnxruntime-node'
import type { ClassifierSession, Int64Input, LogitsOutput } from '../src/runtime/session.ts'

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
  if (!session.outputNames.includes('logits')) {
    await session.release()
    throw new Error(`The model has no "logits" output (outputs: ${session.outputNames.join(', ')}); export it for sequence classification.`)
  }
  return {
    inputNames: session.inputNames,
    async run(feeds: Record<string, Int64Input>): Promise<LogitsOutput> {
      const tensors: Record<string, ort.Tensor> = {}
      for (const name of session.inputNames) {
        const feed = feeds[name]
        if (feed === undefined) throw new Error(`Missing input "${name}"; the model reads ${session.inputNames.join(', ')}.`)
        tensors[name] = new ort.Tensor('int64', feed.data, feed.dims)
      }
      const result = await session.run(tensors, ['logits'])
      const logits = result.logits
      if (logits === undefined || logits.type !== 'float32' || logits.dims.length !== 2) {
        throw new Error('The model returned no float32 [batch, num_labels] "logits".')
      }
      return { data: logits.data as Float32Array, dims: [logits.dims[0] ?? 0, logits.dims[1] ?? 0] }
    },
    release: () => session.release(),
  }
}
