/**
 * A ClassifierSession over an onnxruntime session, native or Wasm: both
 * packages share onnxruntime-common's session API and differ only in their
 * Tensor class, which the caller passes in.
 */
import { type ClassifierSession, graphFeed, type Int64Input, type LogitsOutput } from '../../src/core/inference/session.ts'

interface OrtValue {
  type: string
  dims: readonly number[]
  data: unknown
}

/** The part of onnxruntime-common's InferenceSession this adapter uses. */
export interface OrtSession<T> {
  inputNames: readonly string[]
  outputNames: readonly string[]
  run(feeds: Record<string, T>, fetches: string[]): Promise<Record<string, OrtValue | undefined>>
  release(): Promise<void>
}

/** Adapts `session`, whose graph must output `logits` [batch, num_labels]; releases it and throws if it does not. */
export async function logitsSession<T>(
  session: OrtSession<T>,
  int64: (data: BigInt64Array, dims: [number, number]) => T,
): Promise<ClassifierSession> {
  if (!session.outputNames.includes('logits')) {
    await session.release()
    throw new Error(`The model has no "logits" output (outputs: ${session.outputNames.join(', ')}); export it for sequence classification.`)
  }
  return {
    inputNames: session.inputNames,
    async run(feeds: Record<string, Int64Input>): Promise<LogitsOutput> {
      const tensors: Record<string, T> = {}
      for (const name of session.inputNames) {
        const feed = graphFeed(name, feeds)
        if (feed === undefined) throw new Error(`Missing input "${name}"; the model reads ${session.inputNames.join(', ')}.`)
        tensors[name] = int64(feed.data, feed.dims)
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
