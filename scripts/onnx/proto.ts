import onnxProto from 'onnx-proto'
import type { onnx as ns } from 'onnx-proto'

/**
 * The ONNX protobuf messages (protobufjs-generated, from the `onnx-proto`
 * package). `onnx-proto` is CommonJS and Node's ESM loader cannot see its named
 * export, so the namespace is re-exported here as a value plus the types below.
 *
 * @example
 * import { onnx, readModel } from './proto.ts'
 * const model: onnx.ModelProto = readModel(bytes)
 * const isFloat = model.graph?.initializer?.[0]?.dataType === onnx.TensorProto.DataType.FLOAT
 */
export const onnx: typeof ns = onnxProto.onnx

/** Type names of the ONNX messages, so `onnx.ModelProto` works in type positions too. */
export declare namespace onnx {
  export type ModelProto = ns.ModelProto
  export type IModelProto = ns.IModelProto
  export type GraphProto = ns.GraphProto
  export type IGraphProto = ns.IGraphProto
  export type NodeProto = ns.NodeProto
  export type INodeProto = ns.INodeProto
  export type TensorProto = ns.TensorProto
  export type ITensorProto = ns.ITensorProto
  export type AttributeProto = ns.AttributeProto
  export type IAttributeProto = ns.IAttributeProto
  export type ValueInfoProto = ns.ValueInfoProto
  export type IValueInfoProto = ns.IValueInfoProto
  export type TypeProto = ns.TypeProto
  export type ITypeProto = ns.ITypeProto
  export type TensorShapeProto = ns.TensorShapeProto
  export type ITensorShapeProto = ns.ITensorShapeProto
  export type OperatorSetIdProto = ns.OperatorSetIdProto
  export type IOperatorSetIdProto = ns.IOperatorSetIdProto
  export type StringStringEntryProto = ns.StringStringEntryProto
  export type IStringStringEntryProto = ns.IStringStringEntryProto
  export type SparseTensorProto = ns.SparseTensorProto
  export type ISparseTensorProto = ns.ISparseTensorProto
  export type FunctionProto = ns.FunctionProto
  export type IFunctionProto = ns.IFunctionProto
}

/** `TensorProto.DataType` (FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6, INT64 = 7, FLOAT16 = 10, ...). */
export type DataType = ns.TensorProto.DataType
/** `AttributeProto.AttributeType` (FLOAT = 1, INT = 2, STRING = 3, TENSOR = 4, FLOATS = 6, INTS = 7, ...). */
export type AttributeType = ns.AttributeProto.AttributeType

/** What protobufjs decodes an int64 field to when the `long` package is present. */
interface LongLike {
  toNumber(): number
  low: number
  high: number
}

const isLong = (v: unknown): v is LongLike => typeof v === 'object' && v !== null && 'toNumber' in v && 'low' in v && 'high' in v

/**
 * An int64 field as a JS number. Throws for values outside the safe-integer
 * range (use {@link int64ToBigInt} for those, e.g. INT64_MAX in Slice ends).
 */
export function int64ToNumber(v: number | LongLike | null | undefined): number {
  if (v === null || v === undefined) return 0
  if (typeof v === 'number') return v
  const n = v.toNumber()
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`int64 value ${int64ToBigInt(v)} does not fit a JS number; read it with int64ToBigInt()`)
  }
  return n
}

/** An int64 field as a bigint, exact for the full int64 range. */
export function int64ToBigInt(v: number | LongLike | null | undefined): bigint {
  if (v === null || v === undefined) return 0n
  if (typeof v === 'number') return BigInt(v)
  return BigInt.asIntN(64, (BigInt(v.high) << 32n) | BigInt(v.low >>> 0))
}

/** A Long that fits a safe integer becomes a number; anything else is kept as decoded. */
function toSafeNumber<T>(v: T): T | number {
  if (!isLong(v)) return v
  const n = v.toNumber()
  return Number.isSafeInteger(n) ? n : v
}

function normalizeTensor(t: ns.ITensorProto): void {
  if (t.dims) t.dims = t.dims.map(toSafeNumber)
}

function normalizeGraph(g: ns.IGraphProto): void {
  for (const t of g.initializer ?? []) normalizeTensor(t)
  for (const vi of [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])]) {
    for (const d of vi.type?.tensorType?.shape?.dim ?? []) {
      if (Object.hasOwn(d, 'dimValue') && d.dimValue != null) d.dimValue = toSafeNumber(d.dimValue)
    }
  }
  for (const node of g.node ?? []) {
    for (const a of node.attribute ?? []) {
      // Only fields present on the wire: protobufjs encodes every own property, and an
      // attribute carrying both `i` and `f` is rejected by onnxruntime.
      if (Object.hasOwn(a, 'i') && a.i != null) a.i = toSafeNumber(a.i)
      if (a.ints) a.ints = a.ints.map(toSafeNumber)
      if (a.t) normalizeTensor(a.t)
      for (const t of a.tensors ?? []) normalizeTensor(t)
      if (a.g) normalizeGraph(a.g)
      for (const sub of a.graphs ?? []) normalizeGraph(sub)
    }
  }
}

/**
 * Decodes an ONNX model. int64 fields that fit a safe integer (dims, attribute
 * ints, opset and IR versions) are turned into plain numbers so callers can
 * compare and do arithmetic on them; tensor payloads (`rawData`, `int64Data`)
 * are left as decoded — read them with `tensorToArray` from `./builder.ts`.
 */
export function readModel(bytes: Uint8Array): ns.ModelProto {
  const model = onnx.ModelProto.decode(bytes)
  if (Object.hasOwn(model, 'irVersion')) model.irVersion = toSafeNumber(model.irVersion)
  if (Object.hasOwn(model, 'modelVersion')) model.modelVersion = toSafeNumber(model.modelVersion)
  for (const op of model.opsetImport) {
    if (Object.hasOwn(op, 'version') && op.version != null) op.version = toSafeNumber(op.version)
  }
  if (model.graph) normalizeGraph(model.graph)
  return model
}

/** Encodes an ONNX model to the bytes onnxruntime loads. */
export function writeModel(model: ns.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish()
}
