/**
 * A small BERT-shaped classifier graph built directly with the ONNX builder, in
 * two dialects: our converter's (MatMul weights [in, out], shared layer weights
 * stored once) and a torch/optimum export's (weights [out, in] behind a
 * Transpose per use, a shared layer duplicated per application, a Gemm head).
 * Used to test the quantizer's graph rewriting without C's converter.
 */
import {
  attrFloat,
  attrInt,
  attrInts,
  makeGraph,
  makeModel,
  makeNode,
  makeOpsetId,
  makeTensor,
  makeValueInfo,
} from '../../../scripts/onnx/builder.ts'
import { onnx, writeModel } from '../../../scripts/onnx/proto.ts'
import { mulberry32 } from '../../../scripts/checkpoint/random.ts'

export interface ToyOptions {
  vocab: number
  hidden: number
  ffn: number
  layers: number
  labels: number
  /** ALBERT-style: one set of layer weights applied `layers` times */
  shared: boolean
  /** torch-export dialect (see file comment) */
  exportStyle: boolean
  seed: number
  opset?: number
}

/** mulberry32 + Box-Muller: deterministic normals. */
function normals(seed: number): () => number {
  const uniform = mulberry32(seed)
  return () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform())
}

const F = onnx.TensorProto.DataType.FLOAT
const I64 = onnx.TensorProto.DataType.INT64

/** Builds the toy model and returns its ONNX bytes. */
export function toyModel(o: ToyOptions): Uint8Array {
  const randn = normals(o.seed)
  const init: onnx.TensorProto[] = []
  const nodes: onnx.NodeProto[] = []
  let n = 0
  const tmp = (base: string): string => `${base}_${n++}`
  const tensor = (name: string, dims: number[], std: number, mean = 0): string => {
    if (init.some((t) => t.name === name)) return name // a shared layer's weights exist once
    const size = dims.reduce((a, b) => a * b, 1)
    init.push(
      makeTensor(
        name,
        Float32Array.from({ length: size }, () => mean + std * randn()),
        dims,
      ),
    )
    return name
  }
  const node = (op: string, inputs: string[], attrs: onnx.AttributeProto[] = []): string => {
    const out = tmp(op)
    nodes.push(makeNode(op, inputs, [out], { name: `${op}_${n}`, attributes: attrs }))
    return out
  }
  const std = (fanIn: number): number => 1 / Math.sqrt(fanIn)

  // Dense layer: [in, out] weight read by MatMul, or the export dialect's [out, in] behind a Transpose.
  const linear = (x: string, prefix: string, fin: number, fout: number): string => {
    const bias = tensor(`${prefix}.bias`, [fout], 0.1)
    let w: string
    if (o.exportStyle) {
      w = node('Transpose', [tensor(`${prefix}.weight`, [fout, fin], std(fin))], [attrInts('perm', [1, 0])])
    } else {
      w = tensor(`${prefix}.weight`, [fin, fout], std(fin))
    }
    return node('Add', [node('MatMul', [x, w]), bias])
  }
  const layerNorm = (x: string, prefix: string): string => {
    const g = tensor(`${prefix}.weight`, [o.hidden], 0.2, 1)
    const b = tensor(`${prefix}.bias`, [o.hidden], 0.1)
    return node('LayerNormalization', [x, g, b], [attrInt('axis', -1), attrFloat('epsilon', 1e-12)])
  }

  const words = tensor('embeddings.word_embeddings.weight', [o.vocab, o.hidden], 1)
  const types = tensor('embeddings.token_type_embeddings.weight', [2, o.hidden], 1)
  let x = layerNorm(node('Add', [node('Gather', [words, 'input_ids']), node('Gather', [types, 'token_type_ids'])]), 'embeddings.LayerNorm')

  // Extended attention mask: (1 - mask) * -1e4, [batch, 1, seq]
  init.push(makeTensor('one', new Float32Array([1]), []), makeTensor('neg', new Float32Array([-1e4]), []))
  init.push(makeTensor('axes1', new BigInt64Array([1n]), [1]), makeTensor('inv_sqrt_h', new Float32Array([1 / Math.sqrt(o.hidden)]), []))
  const mask = node('Unsqueeze', [
    node('Mul', [node('Sub', ['one', node('Cast', ['attention_mask'], [attrInt('to', F)])]), 'neg']),
    'axes1',
  ])

  for (let i = 0; i < o.layers; i++) {
    // The export dialect duplicates a shared layer per application (what torch.onnx does to ALBERT).
    const p = o.shared && !o.exportStyle ? 'layer.0' : `layer.${o.shared ? `0.copy${i}` : i}`
    const sharedCopy = o.shared && o.exportStyle && i > 0
    const before = init.length
    const q = linear(x, `${p}.query`, o.hidden, o.hidden)
    const k = linear(x, `${p}.key`, o.hidden, o.hidden)
    const v = linear(x, `${p}.value`, o.hidden, o.hidden)
    const scores = node('Add', [
      node('Mul', [node('MatMul', [q, node('Transpose', [k], [attrInts('perm', [0, 2, 1])])]), 'inv_sqrt_h']),
      mask,
    ])
    const ctx = node('MatMul', [node('Softmax', [scores], [attrInt('axis', -1)]), v])
    x = layerNorm(node('Add', [x, linear(ctx, `${p}.attention.dense`, o.hidden, o.hidden)]), `${p}.attention.LayerNorm`)
    const h = node('Tanh', [linear(x, `${p}.ffn`, o.hidden, o.ffn)])
    x = layerNorm(node('Add', [x, linear(h, `${p}.ffn_output`, o.ffn, o.hidden)]), `${p}.full_layer_layer_norm`)
    if (sharedCopy) {
      // Same bytes as copy 0: the duplicated initializers torch writes.
      const first = init.filter((t) => t.name.startsWith('layer.0.copy0.'))
      for (const t of init.slice(before)) {
        const twin = first.find((f) => f.name === t.name.replace(`copy${i}`, 'copy0'))
        if (twin?.rawData != null) t.rawData = twin.rawData
      }
    }
  }

  init.push(makeTensor('zero', new BigInt64Array([0n]), []))
  const cls = node('Gather', [x, 'zero'], [attrInt('axis', 1)]) // [batch, hidden]
  const wc = tensor('classifier.weight', [o.labels, o.hidden], std(o.hidden))
  const bc = tensor('classifier.bias', [o.labels], 0.1)
  nodes.push(makeNode('Gemm', [cls, wc, bc], ['logits'], { name: 'classifier', attributes: [attrInt('transB', 1)] }))

  const io = (name: string): onnx.ValueInfoProto => makeValueInfo(name, I64, ['batch', 'sequence'])
  const graph = makeGraph(
    nodes,
    'toy',
    [io('input_ids'), io('attention_mask'), io('token_type_ids')],
    [makeValueInfo('logits', F, ['batch', o.labels])],
    init,
  )
  return writeModel(makeModel(graph, { opsetImports: [makeOpsetId('', o.opset ?? 17)] }))
}
