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
