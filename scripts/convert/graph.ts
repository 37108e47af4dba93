import { makeGraph, makeModel, makeNode, makeTensor, makeValueInfo, type TensorData } from '../onnx/builder.ts'
import { onnx } from '../onnx/proto.ts'
import { type HfConfig, numLabels } from './config.ts'
import type { CheckpointWeights } from './weights.ts'

/**
 * Accumulates the nodes and initializers of one graph. Node names are
 * module paths (`/electra/encoder/layer.0/attention/self/query/MatMul`, like
 * optimum's exports) and each node's output is `<node name>_output_0`;
 * initializers carry the HF parameter names and are emitted once however
 * often they are used (ALBERT applies one layer's weights 12 times).
 */
export class GraphBuilder {
  readonly nodes: onnx.NodeProto[] = []
  readonly #initializers = new Map<string, onnx.TensorProto>()
  readonly weights: CheckpointWeights

  constructor(weights: CheckpointWeights) {
    this.weights = weights
  }

  /** Adds a node and returns the name of its (single) output. */
  op(opType: string, inputs: readonly string[], name: string, attributes: readonly onnx.IAttributeProto[] = []): string {
    const output = `${name}_output_0`
    this.nodes.push(makeNode(opType, inputs, [output], { name, attributes }))
    return output
  }

  /** Registers a tensor initializer under `name` unless it exists; returns the name. */
  initializer(name: string, data: () => TensorData, dims: readonly number[]): string {
    if (!this.#initializers.has(name)) this.#initializers.set(name, makeTensor(name, data(), dims))
    return name
  }

  /**
   * A checkpoint parameter as an initializer with its HF name: taken from the
   * checkpoint once, shape-checked, and optionally transformed (a Linear
   * weight [out, in] is stored transposed as [in, out] for MatMul).
   */
  param(name: string, shape: readonly number[], options: { transpose?: boolean } = {}): string {
    const [rows = 0, cols = 0] = shape
    const dims = options.transpose ? [cols, rows] : shape
    return this.initializer(
      name,
      () => {
        const data = this.weights.take(name, shape)
        return options.transpose ? transpose(data, rows, cols) : data
      },
      dims,
    )
  }

  /** A float32 constant (scalar unless dims say otherwise). */
  constFloat(name: string, values: readonly number[], dims: readonly number[] = []): string {
    return this.initializer(`/const/${name}`, () => new Float32Array(values), dims)
  }

  /** An int64 constant (1-D unless dims say otherwise). */
  constInt64(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.initializer(`/const/${name}`, () => BigInt64Array.from(values, (v) => BigInt(v)), dims)
  }

  /**
   * The finished model, once every checkpoint weight has been used: int64
   * [batch, sequence] inputs, float `logits` [batch, num_labels] output, and
   * the HF architecture and labels as metadata.
   */
  build(hfArchitecture: string, config: HfConfig, inputs: readonly string[], logits: string): onnx.ModelProto {
    this.weights.assertComplete(hfArchitecture)
    const INT64 = onnx.TensorProto.DataType.INT64
    const FLOAT = onnx.TensorProto.DataType.FLOAT
    // The last node writes the graph output directly (no Identity for a quantizer to trip on).
    for (const node of this.nodes) node.output = node.output.map((o) => (o === logits ? 'logits' : o))
    const graph = makeGraph(
      this.nodes,
      hfArchitecture,
      inputs.map((input) => makeValueInfo(input, INT64, ['batch_size', 'sequence_length'])),
      [makeValueInfo('logits', FLOAT, ['batch_size', numLabels(config)])],
      [...this.#initializers.values()],
    )
    const metadata = { hf_architecture: hfArchitecture, id2label: JSON.stringify(config.id2label) }
    return makeModel(graph, { producerName: 'edge-classify', metadata })
  }
}

/** [rows, cols] row-major -> [cols, rows]. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] ?? 0
  }
  return out
}
