/**
 * The quantizer's view of the ONNX protobuf: decoding with a clear error,
 * reading float initializers and making the few tensor and node kinds the
 * passes emit. Kept local to scripts/quantize/ so the passes depend only on
 * `onnx-proto`.
 */
import onnxProto from 'onnx-proto'
import type { onnx as ns } from 'onnx-proto'

export const onnx: typeof ns = onnxProto.onnx

export type ModelProto = ns.ModelProto
export type GraphProto = ns.GraphProto
export type IGraphProto = ns.IGraphProto
export type NodeProto = ns.NodeProto
export type TensorProto = ns.TensorProto
export type AttributeProto = ns.IAttributeProto

export const DataType = onnx.TensorProto.DataType

/** Why a model could not be quantized; `type` is stable for callers and tests. */
export class QuantizeError extends Error {
  readonly type: 'invalid_onnx' | 'unsupported_model'
  constructor(type: QuantizeError['type'], message: string) {
    super(message)
    this.name = 'QuantizeError'
    this.type = type
  }
}

/** protobufjs decodes int64 as `Long` when the `long` package is present. */
export type Int64 = number | { toNumber(): number }

export const toNumber = (v: Int64 | null | undefined): number =>
  v == null ? 0 : typeof v === 'number' ? v : v.toNumber()

/** Decodes an ONNX model, turning protobuf failures into an actionable error. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  let model: ModelProto
  try {
    model = onnx.ModelProto.decode(bytes)
  } catch (cause) {
    throw new QuantizeError(
      'invalid_onnx',
      `Not a valid ONNX model (${bytes.length} bytes): ${(cause as Error).message}. ` +
        'Pass the .onnx file written by `convert` or an ONNX export (model.onnx).',
    )
  }
  if (model.graph == null || (model.graph.node ?? []).length === 0) {
    throw new QuantizeError('invalid_onnx', 'The ONNX model has no graph nodes; is this an ONNX model file?')
  }
  return model
}

export const encodeModel = (model: ModelProto): Uint8Array => onnx.ModelProto.encode(model).finish()

export const dimsOf = (t: TensorProto): number[] => t.dims.map((d) => toNumber(d))

/** Element count of a tensor from its dims (a scalar has one element). */
export const sizeOf = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1)

/** The tensor's payload in bytes: raw_data, or the typed repeated field re-encoded little-endian. */
export function tensorBytes(t: TensorProto): Uint8Array {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new QuantizeError(
      'unsupported_model',
      `Initializer "${t.name}" keeps its data in an external file; re-export the model with the weights inside the .onnx file.`,
    )
  }
  if (t.rawData != null && t.rawData.length > 0) return t.rawData
  if (t.floatData.length > 0) return new Uint8Array(Float32Array.from(t.floatData).buffer)
  if (t.int32Data.length > 0) return new Uint8Array(Int32Array.from(t.int32Data).buffer)
  if (t.int64Data.length > 0) return new Uint8Array(BigInt64Array.from(t.int64Data, (v) => BigInt(toNumber(v))).buffer)
  if (t.doubleData.length > 0) return new Uint8Array(Float64Array.from(t.doubleData).buffer)
  return new Uint8Array(0)
}

/** A fresh, aligned copy (protobufjs hands out Node Buffers whose slice() is a view into a pool). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length)
  out.set(bytes)
  return out
}

/** A float32 initializer's values (copied, so aligned and safe to keep). */
export function floatValues(t: TensorProto): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new Error(`tensor ${t.name} is not float32`)
  if (t.rawData != null && t.rawData.length > 0) return new Float32Array(copyBytes(t.rawData).buffer)
  return Float32Array.from(t.floatData)
}

type TypedData = Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array

const dataTypeOf = (data: TypedData): number =>
  data instanceof Float32Array
    ? DataType.FLOAT
    : data instanceof Int8Array
      ? DataType.INT8
      : data instanceof Uint8Array
        ? DataType.UINT8
        : data instanceof Int32Array
          ? DataType.INT32
          : DataType.INT64

/** A raw_data initializer (little-endian, as every supported platform is). */
export function makeTensor(name: string, data: TypedData, dims: readonly number[]): TensorProto {
  return onnx.TensorProto.create({
    name,
    dataType: dataTypeOf(data),
    dims: [...dims],
    rawData: copyBytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
  })
}

export function makeNode(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  name: string,
  attrs: Record<string, number | readonly number[]> = {},
  domain = '',
): NodeProto {
  const attribute = Object.entries(attrs).map(([key, v]) =>
    typeof v === 'number'
      ? onnx.AttributeProto.create({ name: key, type: onnx.AttributeProto.AttributeType.INT, i: v })
      : onnx.AttributeProto.create({ name: key, type: onnx.AttributeProto.AttributeType.INTS, ints: [...v] }),
  )
  return onnx.NodeProto.create({ opType, input: [...inputs], output: [...outputs], name, attribute, domain })
}

/** An attribute's value by name: ints as numbers, floats as numbers, lists as arrays. */
export function attr(node: NodeProto, name: string): number | number[] | undefined {
  const a = node.attribute.find((x) => x.name === name)
  if (a == null) return undefined
  switch (a.type) {
    case onnx.AttributeProto.AttributeType.INT:
      return toNumber(a.i)
    case onnx.AttributeProto.AttributeType.FLOAT:
      return a.f ?? 0
    case onnx.AttributeProto.AttributeType.INTS:
      return (a.ints ?? []).map((v) => toNumber(v))
    default:
      return undefined
  }
}
