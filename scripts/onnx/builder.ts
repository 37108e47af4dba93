import { type DataType, int64ToBigInt, int64ToNumber, onnx } from './proto.ts'

/**
 * Typed helpers for building ONNX graphs, after onnx/onnx:onnx/helper.py
 * (`make_node`, `make_tensor`, `make_graph`, `make_model`,
 * `make_tensor_value_info`, `make_attribute`), plus `tensorToArray` to read
 * initializers back. Tensors are stored as little-endian `rawData` like
 * onnx's `numpy_helper.from_array` does.
 */

const DT = onnx.TensorProto.DataType
const AT = onnx.AttributeProto.AttributeType

/** The typed arrays a tensor can be made from; the array type picks the ONNX data type. */
export type TensorData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | BigInt64Array

/** The typed array `tensorToArray` returns for each ONNX element type. */
export type TensorArray = TensorData

/** Default opset for the models this project emits (LayerNormalization needs 17). */
export const DEFAULT_OPSET = 17
/** IR version that goes with opset 17 (onnx 1.12). */
export const DEFAULT_IR_VERSION = 8

function dataTypeOf(data: TensorData): DataType {
  if (data instanceof Float32Array) return DT.FLOAT
  if (data instanceof Float64Array) return DT.DOUBLE
  if (data instanceof Int8Array) return DT.INT8
  if (data instanceof Uint8Array) return DT.UINT8
  if (data instanceof Int16Array) return DT.INT16
  if (data instanceof Uint16Array) return DT.UINT16
  if (data instanceof Int32Array) return DT.INT32
  return DT.INT64
}

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1)

/**
 * A tensor (for an initializer or a `value` attribute) from a typed array and
 * its dims. The element type follows the array (Float32Array -> FLOAT,
 * Int8Array -> INT8, Uint8Array -> UINT8, Int32Array -> INT32, BigInt64Array -> INT64, ...);
 * pass `dataType` to override it for same-width types, e.g. a Uint16Array of
 * FLOAT16 bits or a Uint8Array of BOOL.
 *
 * @example makeTensor('classifier.weight', w, [768, 2]) // FLOAT [in, out]
 */
export function makeTensor(name: string, data: TensorData, dims: readonly number[], dataType?: DataType): onnx.TensorProto {
  if (product(dims) !== data.length) {
    throw new Error(`makeTensor(${name}): dims [${dims.join(', ')}] hold ${product(dims)} elements but the data has ${data.length}`)
  }
  // Copy: the tensor must not alias a buffer the caller may reuse or that holds other data.
  const rawData = new Uint8Array(data.byteLength)
  rawData.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: dataType ?? dataTypeOf(data), rawData })
}

/** The dims of a tensor as numbers. */
export function tensorDims(t: onnx.ITensorProto): number[] {
  return (t.dims ?? []).map((d) => int64ToNumber(d))
}

type ArrayCtor = { new (buffer: ArrayBuffer): TensorArray; BYTES_PER_ELEMENT: number }

function arrayCtorOf(dataType: number): ArrayCtor {
  switch (dataType) {
    case DT.FLOAT:
      return Float32Array
    case DT.DOUBLE:
      return Float64Array
    case DT.INT8:
      return Int8Array
    case DT.UINT8:
    case DT.BOOL:
      return Uint8Array
    case DT.INT16:
      return Int16Array
    case DT.UINT16:
    case DT.FLOAT16:
    case DT.BFLOAT16:
      return Uint16Array
    case DT.INT32:
      return Int32Array
    case DT.INT64:
      return BigInt64Array
    default:
      throw new Error(`tensorToArray: unsupported ONNX data type ${DT[dataType] ?? dataType}`)
  }
}

/**
 * A tensor's elements as a fresh typed array (FLOAT -> Float32Array, INT8 ->
 * Int8Array, UINT8/BOOL -> Uint8Array, INT32 -> Int32Array, INT64 ->
 * BigInt64Array, FLOAT16/BFLOAT16 -> Uint16Array of raw bits, DOUBLE ->
 * Float64Array). Reads `rawData` or the typed repeated fields
 * (`floatData`, `int32Data`, `int64Data`, `doubleData`), whichever is set.
 */
export function tensorToArray(t: onnx.ITensorProto): TensorArray {
  const dataType = t.dataType ?? DT.UNDEFINED
  const Ctor = arrayCtorOf(dataType)
  const count = product(tensorDims(t))
  if (t.rawData && t.rawData.byteLength > 0) {
    const expected = count * Ctor.BYTES_PER_ELEMENT
    if (t.rawData.byteLength !== expected) {
      throw new Error(`tensorToArray(${t.name ?? ''}): rawData has ${t.rawData.byteLength} bytes, dims need ${expected}`)
    }
    // Copy into a fresh, aligned buffer: decoded rawData is a view (a Node Buffer
    // in Node, whose slice() does not copy) at any offset into the model bytes.
    const bytes = new Uint8Array(expected)
    bytes.set(t.rawData)
    return new Ctor(bytes.buffer)
  }
  const out = new Ctor(new ArrayBuffer(count * Ctor.BYTES_PER_ELEMENT))
  const fill = (values: readonly (number | bigint)[]): TensorArray => {
    if (values.length !== count) {
      throw new Error(`tensorToArray(${t.name ?? ''}): ${values.length} values, dims need ${count}`)
    }
    if (out instanceof BigInt64Array) out.set(values.map((v) => BigInt(v)))
    else out.set(values.map((v) => Number(v)))
    return out
  }
  switch (dataType) {
    case DT.FLOAT:
      return fill(t.floatData ?? [])
    case DT.DOUBLE:
      return fill(t.doubleData ?? [])
    case DT.INT64:
      return fill((t.int64Data ?? []).map((v) => int64ToBigInt(v)))
    // int8/uint8/int16/uint16/int32/bool/float16 all travel in int32_data per onnx.proto.
    default:
      return fill(t.int32Data ?? [])
  }
}

/** A node, after helper.py's `make_node`. Attributes come from the `attr*` helpers. */
export function makeNode(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  options: { name?: string; domain?: string; attributes?: readonly onnx.IAttributeProto[]; docString?: string } = {},
): onnx.NodeProto {
  return onnx.NodeProto.create({
    opType,
    input: [...inputs],
    output: [...outputs],
    name: options.name ?? '',
    domain: options.domain ?? '',
    attribute: [...(options.attributes ?? [])],
    docString: options.docString ?? '',
  })
}

/** An INT attribute (e.g. `axis`, `transB`). */
export const attrInt = (name: string, i: number): onnx.AttributeProto => onnx.AttributeProto.create({ name, type: AT.INT, i })
/** A FLOAT attribute (e.g. LayerNormalization `epsilon`). */
export const attrFloat = (name: string, f: number): onnx.AttributeProto => onnx.AttributeProto.create({ name, type: AT.FLOAT, f })
/** An INTS attribute (e.g. Transpose `perm`). */
export const attrInts = (name: string, ints: readonly number[]): onnx.AttributeProto =>
  onnx.AttributeProto.create({ name, type: AT.INTS, ints: [...ints] })
/** A FLOATS attribute. */
export const attrFloats = (name: string, floats: readonly number[]): onnx.AttributeProto =>
  onnx.AttributeProto.create({ name, type: AT.FLOATS, floats: [...floats] })
/** A STRING attribute (UTF-8 encoded, e.g. Gelu `approximate`). */
export const attrString = (name: string, s: string): onnx.AttributeProto =>
  onnx.AttributeProto.create({ name, type: AT.STRING, s: new TextEncoder().encode(s) })
/** A TENSOR attribute (e.g. Constant `value`). */
export const attrTensor = (name: string, t: onnx.ITensorProto): onnx.AttributeProto =>
  onnx.AttributeProto.create({ name, type: AT.TENSOR, t })

/** Reads a node's attribute by name, or undefined. */
export function getAttribute(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name)
}

/**
 * A tensor value info (graph input/output), after helper.py's
 * `make_tensor_value_info`. A string dim is symbolic (`'batch'`), a number is
 * fixed, null is unknown.
 *
 * @example makeValueInfo('input_ids', onnx.TensorProto.DataType.INT64, ['batch', 'sequence'])
 */
export function makeValueInfo(name: string, elemType: DataType, shape: readonly (number | string | null)[]): onnx.ValueInfoProto {
  const dim = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {}))
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim } } } })
}

/** A graph, after helper.py's `make_graph`. */
export function makeGraph(
  nodes: readonly onnx.INodeProto[],
  name: string,
  inputs: readonly onnx.IValueInfoProto[],
  outputs: readonly onnx.IValueInfoProto[],
  initializers: readonly onnx.ITensorProto[] = [],
  docString = '',
): onnx.GraphProto {
  return onnx.GraphProto.create({
    node: [...nodes],
    name,
    input: [...inputs],
    output: [...outputs],
    initializer: [...initializers],
    docString,
  })
}

/** An opset import entry (domain '' is the default ai.onnx domain). */
export const makeOpsetId = (domain: string, version: number): onnx.OperatorSetIdProto => onnx.OperatorSetIdProto.create({ domain, version })

/**
 * A model, after helper.py's `make_model`: opset 17 of ai.onnx and IR 8 unless
 * told otherwise; `metadata` lands in `metadata_props`.
 */
export function makeModel(
  graph: onnx.IGraphProto,
  options: {
    opsetImports?: readonly onnx.IOperatorSetIdProto[]
    irVersion?: number
    producerName?: string
    producerVersion?: string
    docString?: string
    metadata?: Record<string, string>
  } = {},
): onnx.ModelProto {
  return onnx.ModelProto.create({
    irVersion: options.irVersion ?? DEFAULT_IR_VERSION,
    opsetImport: [...(options.opsetImports ?? [makeOpsetId('', DEFAULT_OPSET)])],
    producerName: options.producerName ?? 'edge-classify',
    producerVersion: options.producerVersion ?? '',
    docString: options.docString ?? '',
    graph,
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  })
}

/**
 * An attribute's value by name, for the numeric kinds passes read: INT and
 * FLOAT as a number, INTS and FLOATS as an array; undefined when absent or of
 * another kind.
 *
 * @example attributeValue(node, 'perm') // [0, 2, 1, 3]
 */
export function attributeValue(node: onnx.INodeProto, name: string): number | number[] | undefined {
  const a = getAttribute(node, name)
  switch (a?.type) {
    case AT.INT:
      return int64ToNumber(a.i)
    case AT.FLOAT:
      return a.f ?? 0
    case AT.INTS:
      return (a.ints ?? []).map((v) => int64ToNumber(v))
    case AT.FLOATS:
      return [...(a.floats ?? [])]
    default:
      return undefined
  }
}

/** A FLOAT tensor's values (a fresh, aligned copy); throws for any other element type. */
export function floatValues(t: onnx.ITensorProto): Float32Array {
  const values = tensorToArray(t)
  if (!(values instanceof Float32Array) || t.dataType !== DT.FLOAT) throw new Error(`tensor ${t.name ?? ''} is not float32`)
  return values
}

/** Element count of a tensor with these dims (a scalar has one element). */
export const elementCount = product
