/**
 * The part of an ONNX Runtime InferenceSession the classifier needs. Both
 * onnxruntime-web (the Worker) and onnxruntime-node (the pipeline) satisfy it
 * through a thin adapter, so the classifier stays pure and shared.
 */

/** A [batch, sequence] int64 input, row-major. */
export interface Int64Input {
  data: BigInt64Array
  dims: [number, number]
}

export interface LogitsOutput {
  /** [batch, num_labels] row-major */
  data: Float32Array
  dims: [number, number]
}

export interface ClassifierSession {
  readonly inputNames: readonly string[]
  /** Runs the graph; feeds are keyed by graph input name (input_ids, attention_mask, token_type_ids). */
  run(feeds: Record<string, Int64Input>): Promise<LogitsOutput>
  release(): Promise<void>
}

/**
 * The feed for graph input `name`: the given one, or, for ERNIE's
 * `task_type_ids` (optimum exports of a model with use_task_id), zeros shaped
 * like `input_ids`: task 0 for every token, as in Hugging Face's
 * ErnieEmbeddings when no task ids are passed. No tokenizer produces them.
 */
export function graphFeed(name: string, feeds: Readonly<Record<string, Int64Input>>): Int64Input | undefined {
  const feed = feeds[name]
  if (feed !== undefined || name !== 'task_type_ids') return feed
  const ids = feeds.input_ids
  return ids === undefined ? undefined : { data: new BigInt64Array(ids.data.length), dims: ids.dims }
}
