/**
 * A hand-built tiny ONNX classifier with the Hugging Face I/O convention, for
 * exercising onnxruntime-web inside workerd without the conversion pipeline.
 *
 *   ids   = Cast(input_ids) * Cast(attention_mask)      # (B, T) float
 *   types = Cast(token_type_ids) * Cast(attention_mask)  # (B, T) float
 *   feats = Concat(ReduceSum(ids), ReduceSum(types))     # (B, 2)
 *   logits = Gemm(feats, W, bias)                        # (B, num_labels)
 *
 * The answer is a closed-form function of the inputs (`tinyLogits` in
 * tiny-model.ts), so tests check the runtime's numbers, not only shapes.
 */
import onnxProto from 'onnx-proto'
import { TINY_BIAS, TINY_NUM_LABELS, TINY_WEIGHT } from './tiny-model.ts'

const { onnx } = onnxProto

const INT64 = onnx.TensorProto.DataType.INT64
const FLOAT = onnx.TensorProto.DataType.FLOAT

function int64Input(name: string): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: INT64, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'sequence' }] } } },
  }
}

function floatTensor(name: string, dims: number[], values: readonly number[]): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(new Float32Array(values).buffer) }
}

function node(opType: string, input: string[], output: string[], attribute: onnxProto.onnx.IAttributeProto[] = []) {
  return { opType, input, output, name: output[0], attribute }
}

const castToFloat = (input: string, output: string) =>
  node('Cast', [input], [output], [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }])

/** Serialized ModelProto bytes (opset 13, IR 8). */
export function buildTinyClassifier(): Uint8Array {
  const axes: onnxProto.onnx.ITensorProto = { name: 'axes', dims: [1], dataType: INT64, int64Data: [1] }
  const graph: onnxProto.onnx.IGraphProto = {
    name: 'tiny-classifier',
    input: [int64Input('input_ids'), int64Input('attention_mask'), int64Input('token_type_ids')],
    output: [
      {
        name: 'logits',
        type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: TINY_NUM_LABELS }] } } },
      },
    ],
    initializer: [floatTensor('W', [2, TINY_NUM_LABELS], TINY_WEIGHT), floatTensor('bias', [TINY_NUM_LABELS], TINY_BIAS), axes],
    node: [
      castToFloat('input_ids', 'ids_f'),
      castToFloat('attention_mask', 'mask_f'),
      castToFloat('token_type_ids', 'types_f'),
      node('Mul', ['ids_f', 'mask_f'], ['ids_m']),
      node('Mul', ['types_f', 'mask_f'], ['types_m']),
      node('ReduceSum', ['ids_m', 'axes'], ['sum_ids'], [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]),
      node('ReduceSum', ['types_m', 'axes'], ['sum_types'], [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]),
      node('Concat', ['sum_ids', 'sum_types'], ['feats'], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]),
      node('Gemm', ['feats', 'W', 'bias'], ['logits']),
    ],
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'edge-classify-tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  })
  return onnx.ModelProto.encode(model).finish()
}
