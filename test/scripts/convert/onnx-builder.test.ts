import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import {
  attrFloat,
  attrInt,
  attrInts,
  attrString,
  attributeValue,
  getAttribute,
  makeGraph,
  makeModel,
  makeNode,
  makeTensor,
  makeValueInfo,
  tensorDims,
  tensorToArray,
} from '../../../scripts/onnx/builder.ts'
import { int64ToBigInt, int64ToNumber, onnx, readModel, writeModel } from '../../../scripts/onnx/proto.ts'

const DT = onnx.TensorProto.DataType

describe('scripts/onnx builder and proto', () => {
  it('round-trips every tensor kind through writeModel/readModel', () => {
    const arrays = [
      new Float32Array([1.5, -2, 3.25, 0]),
      new Int8Array([-128, 0, 5, 127]),
      new Uint8Array([0, 1, 200, 255]),
      new Int32Array([-7, 8, 2 ** 30, 0]),
      new BigInt64Array([-(2n ** 62n), 1n, 0n, 2n ** 40n]),
    ]
    const tensors = arrays.map((a, i) => makeTensor(`t${i}`, a, [2, 2]))
    const model = readModel(writeModel(makeModel(makeGraph([], 'g', [], [], tensors))))
    const back = model.graph?.initializer ?? []
    expect(back.map((t) => t.dataType)).toEqual([DT.FLOAT, DT.INT8, DT.UINT8, DT.INT32, DT.INT64])
    back.forEach((t, i) => {
      expect(tensorDims(t)).toEqual([2, 2])
      expect(tensorToArray(t)).toEqual(arrays[i])
    })
    expect(model.opsetImport[0]?.version).toBe(17)
    expect(model.irVersion).toBe(8)
  })

  it('reads tensors stored in the typed repeated fields, as other exporters write them', () => {
    expect(tensorToArray(onnx.TensorProto.create({ dataType: DT.FLOAT, dims: [3], floatData: [1, 2, 3] }))).toEqual(
      new Float32Array([1, 2, 3]),
    )
    expect(tensorToArray(onnx.TensorProto.create({ dataType: DT.INT8, dims: [2], int32Data: [-3, 4] }))).toEqual(new Int8Array([-3, 4]))
    const decoded = onnx.TensorProto.decode(onnx.TensorProto.encode({ dataType: DT.INT64, dims: [2], int64Data: [-5, 2 ** 40] }).finish())
    expect(tensorToArray(decoded)).toEqual(new BigInt64Array([-5n, 2n ** 40n]))
    expect(() => makeTensor('bad', new Float32Array(3), [2, 2])).toThrow(/4 elements/)
  })

  it('converts int64 fields exactly and refuses to round unsafe ones', () => {
    const decoded = onnx.TensorProto.decode(onnx.TensorProto.encode({ dims: ['9223372036854775807' as unknown as number] }).finish())
    const big = decoded.dims[0]
    expect(int64ToBigInt(big)).toBe(2n ** 63n - 1n)
    expect(() => int64ToNumber(big)).toThrow(RangeError)
  })

  it('builds a model onnxruntime runs, with attributes read back', async () => {
    const F = DT.FLOAT
    const nodes = [
      makeNode('MatMul', ['x', 'w'], ['y'], { name: 'mm' }),
      makeNode('LayerNormalization', ['y', 'g', 'b'], ['z'], { attributes: [attrInt('axis', -1), attrFloat('epsilon', 1e-5)] }),
      makeNode('Transpose', ['z'], ['out'], { attributes: [attrInts('perm', [1, 0])] }),
    ]
    const model = makeModel(
      makeGraph(
        nodes,
        'g',
        [makeValueInfo('x', F, ['n', 2])],
        [makeValueInfo('out', F, [2, 'n'])],
        [
          makeTensor('w', new Float32Array([1, 0, 0, 2]), [2, 2]),
          makeTensor('g', new Float32Array([1, 1]), [2]),
          makeTensor('b', new Float32Array([0, 10]), [2]),
        ],
      ),
    )
    const back = readModel(writeModel(model))
    const ln = back.graph?.node?.[1]
    expect(ln && getAttribute(ln, 'axis')?.i).toBe(-1)
    expect(ln && getAttribute(ln, 'epsilon')?.f).toBeCloseTo(1e-5, 10)
    expect(new TextDecoder().decode(attrString('approximate', 'tanh').s ?? undefined)).toBe('tanh')
    expect(ln && attributeValue(ln, 'epsilon')).toBeCloseTo(1e-5, 10)
    expect(ln && attributeValue(ln, 'axis')).toBe(-1)
    expect(back.graph?.node?.[2] && attributeValue(back.graph.node[2], 'perm')).toEqual([1, 0])
    // A read model written back must still load: re-encoding may not add fields the file lacked
    // (an epsilon carrying a default `i` too is rejected as a type/data mismatch).
    const session = await ort.InferenceSession.create(writeModel(back))
    const { out } = await session.run({ x: new ort.Tensor('float32', new Float32Array([3, 1]), [1, 2]) })
    // y = [3, 2] -> normalised [1, -1] (eps aside) -> + beta [0, 10] -> transposed [2, 1].
    expect(out?.dims).toEqual([2, 1])
    const [a = 0, b = 0] = Array.from(out?.data as Float32Array)
    expect(a).toBeCloseTo(1, 3)
    expect(b).toBeCloseTo(9, 3)
  })
})
