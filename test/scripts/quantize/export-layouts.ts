/**
 * BERT, ERNIE and DistilBERT classifiers written in the node layouts
 * torch.onnx gives optimum's exports (the ones onnxruntime's transformers
 * optimizer matches in fusion_attention.py), from a seeded checkpoint:
 *   - 'eager': BertSelfAttention; view shapes Concat(B, T, nh, hs) computed
 *     from Shape, scalars as Constant nodes, Linear as Add(bias, MatMul),
 *     kT = Transpose[0,2,3,1], mask Mul(Sub(1, Cast(Unsqueeze(Unsqueeze(m)))), min);
 *   - 'sdpa': scaled_dot_product_attention's opset-14 form: q and kT each
 *     multiplied by sqrt(1/sqrt(hs)) computed from Shape(q), the mask
 *     Where(Cast(i), min, i) with i = Sub(1, Cast(Expand(Unsqueeze(Unsqueeze(m)))));
 *   - 'distilbert': MultiHeadSelfAttention; q / sqrt(hs) before q kT,
 *     kT = Transpose[0,1,3,2](Transpose[0,2,1,3](..)), and
 *     Where(Expand(Reshape(Equal(m, 0))), min, scores) before the Softmax.
 */
import {
  attrFloat,
  attrInt,
  attrInts,
  attrTensor,
  makeGraph,
  makeModel,
  makeNode,
  makeTensor,
  makeValueInfo,
} from '../../../scripts/onnx/builder.ts'
import { onnx, writeModel } from '../../../scripts/onnx/proto.ts'
import type { HfConfig } from '../../../scripts/convert/config.ts'

export type Layout = 'eager' | 'sdpa' | 'distilbert'
const DT = onnx.TensorProto.DataType
const FLOAT32_MIN = -3.4028234663852886e38

class Export {
  readonly nodes: onnx.NodeProto[] = []
  readonly initializers: onnx.TensorProto[] = []
  readonly weights: ReadonlyMap<string, Float32Array>
  #n = 0
  constructor(weights: ReadonlyMap<string, Float32Array>) {
    this.weights = weights
  }

  op(type: string, inputs: string[], attributes: onnx.AttributeProto[] = []): string {
    const out = `/${type}_${this.#n++}_output_0`
    this.nodes.push(makeNode(type, inputs, [out], { name: out.replace('_output_0', ''), attributes }))
    return out
  }
  /** torch.onnx writes small constants as Constant nodes. */
  constant(values: number[], type: 'float' | 'int64', dims: number[] = []): string {
    const data = type === 'float' ? new Float32Array(values) : BigInt64Array.from(values, (v) => BigInt(v))
    return this.op('Constant', [], [attrTensor('value', makeTensor('', data, dims))])
  }
  weight(name: string, dims: number[], transpose = false): string {
    const data = this.weights.get(name)
    if (!data) throw new Error(`no ${name}`)
    const [rows = 0, cols = 0] = dims
    const values = transpose
      ? Float32Array.from({ length: rows * cols }, (_, i) => data[(i % rows) * cols + Math.floor(i / rows)] ?? 0)
      : data
    const id = `onnx::${this.initializers.length}`
    this.initializers.push(makeTensor(id, values, transpose ? [cols, rows] : dims))
    return id
  }
  /** nn.Linear as torch exports it for a 3-D input: Add(bias, MatMul(x, W^T)). */
  linear(x: string, module: string, inF: number, outF: number): string {
    const mm = this.op('MatMul', [x, this.weight(`${module}.weight`, [outF, inF], true)])
    return this.op('Add', [this.weight(`${module}.bias`, [outF]), mm])
  }
  layerNorm(x: string, module: string, dim: number, eps: number): string {
    return this.op(
      'LayerNormalization',
      [x, this.weight(`${module}.weight`, [dim]), this.weight(`${module}.bias`, [dim])],
      [attrInt('axis', -1), attrFloat('epsilon', eps)],
    )
  }
  gelu(x: string): string {
    const erf = this.op('Erf', [this.op('Div', [x, this.constant([Math.SQRT2], 'float')])])
    return this.op('Mul', [this.op('Mul', [x, this.op('Add', [erf, this.constant([1], 'float')])]), this.constant([0.5], 'float')])
  }
  /** dim i of x's shape, as a 1-element tensor (Shape -> Gather -> Unsqueeze). */
  dim(x: string, i: number): string {
    return this.op('Unsqueeze', [
      this.op('Gather', [this.op('Shape', [x]), this.constant([i], 'int64')], [attrInt('axis', 0)]),
      this.constant([0], 'int64', [1]),
    ])
  }
  shape(pieces: Array<string | number>): string {
    return this.op(
      'Concat',
      pieces.map((p) => (typeof p === 'number' ? this.constant([p], 'int64', [1]) : p)),
      [attrInt('axis', 0)],
    )
  }
}

interface Names {
  q: string
  k: string
  v: string
  out: string
}

function attention(
  e: Export,
  x: string,
  maskFor: (scores: string) => { add?: string; where?: string },
  n: Names,
  H: number,
  nh: number,
  layout: Layout,
): string {
  const hs = H / nh
  const split = (y: string): string =>
    e.op('Transpose', [e.op('Reshape', [y, e.shape([e.dim(x, 0), -1, nh, hs])])], [attrInts('perm', [0, 2, 1, 3])]) // (B, nh, T, hs)
  const qLin = e.linear(x, n.q, H, H)
  const kLin = e.linear(x, n.k, H, H)
  const vLin = e.linear(x, n.v, H, H)
  let scores: string
  if (layout === 'eager') {
    const kT = e.op('Transpose', [e.op('Reshape', [kLin, e.shape([e.dim(x, 0), -1, nh, hs])])], [attrInts('perm', [0, 2, 3, 1])])
    scores = e.op('Div', [e.op('MatMul', [split(qLin), kT]), e.constant([Math.sqrt(hs)], 'float')])
  } else if (layout === 'distilbert') {
    const q = e.op('Div', [split(qLin), e.constant([Math.sqrt(hs)], 'float')])
    const kT = e.op('Transpose', [split(kLin)], [attrInts('perm', [0, 1, 3, 2])])
    scores = e.op('MatMul', [q, kT])
  } else {
    const q = split(qLin)
    const kT = e.op('Transpose', [e.op('Reshape', [kLin, e.shape([e.dim(x, 0), -1, nh, hs])])], [attrInts('perm', [0, 2, 3, 1])])
    const last = e.op('Slice', [e.op('Shape', [q]), e.constant([-1], 'int64', [1]), e.constant([2 ** 53], 'int64', [1])])
    const scale = e.op('Div', [e.constant([1], 'float'), e.op('Sqrt', [e.op('Cast', [last], [attrInt('to', DT.FLOAT)])])])
    const s = e.op('Sqrt', [scale])
    scores = e.op('MatMul', [e.op('Mul', [q, s]), e.op('Mul', [kT, s])])
  }
  const mask = layout === 'distilbert' ? distilMask(e, scores) : maskFor(scores)
  const masked =
    mask.add !== undefined ? e.op('Add', [scores, mask.add]) : e.op('Where', [mask.where ?? '', e.constant([FLOAT32_MIN], 'float'), scores])
  const probs = e.op('Softmax', [masked], [attrInt('axis', -1)])
  const ctx = e.op('Transpose', [e.op('MatMul', [probs, split(vLin)])], [attrInts('perm', [0, 2, 1, 3])])
  return e.linear(e.op('Reshape', [ctx, e.shape([e.dim(x, 0), -1, H])]), n.out, H, H)
}

/** The exported model; BERT-style configs read `prefix` ('bert' or 'ernie'). */
export function exportModel(config: HfConfig, weights: ReadonlyMap<string, Float32Array>, layout: Layout, prefix = 'bert'): Uint8Array {
  const e = new Export(weights)
  const H = config.hidden_size
  const nh = config.num_attention_heads
  const I = config.intermediate_size
  const labels = Object.keys(config.id2label).length
  const distil = layout === 'distilbert'
  const base = distil ? 'distilbert' : prefix
  const eps = distil ? 1e-12 : config.layer_norm_eps
  // Embeddings: position ids are a slice of the position_ids buffer, as torch exports it.
  const T = e.dim('input_ids', 1)
  const positionIds = e.op('Slice', [
    makeConstInit(
      e,
      'position_ids',
      BigInt64Array.from({ length: config.max_position_embeddings }, (_, i) => BigInt(i)),
      [1, config.max_position_embeddings],
    ),
    e.constant([0], 'int64', [1]),
    T,
    e.constant([1], 'int64', [1]),
  ])
  let x = e.op('Add', [
    e.op('Gather', [e.weight(`${base}.embeddings.word_embeddings.weight`, [config.vocab_size, H]), 'input_ids']),
    e.op('Gather', [e.weight(`${base}.embeddings.position_embeddings.weight`, [config.max_position_embeddings, H]), positionIds]),
  ])
  if (!distil)
    x = e.op('Add', [
      x,
      e.op('Gather', [e.weight(`${base}.embeddings.token_type_embeddings.weight`, [config.type_vocab_size, H]), 'token_type_ids']),
    ])
  if (config.use_task_id === true && !distil) {
    const taskIds = e.op(
      'ConstantOfShape',
      [e.op('Shape', ['input_ids'])],
      [attrTensor('value', makeTensor('', new BigInt64Array(1), [1]))],
    )
    x = e.op('Add', [
      x,
      e.op('Gather', [e.weight(`${base}.embeddings.task_type_embeddings.weight`, [config.task_type_vocab_size ?? 0, H]), taskIds]),
    ])
  }
  x = e.layerNorm(x, `${base}.embeddings.LayerNorm`, H, eps)
  // The extended mask is computed once and shared by every layer, as in the exports.
  let shared: { add?: string; where?: string } | undefined
  const maskFor = (_scores: string): { add?: string; where?: string } => {
    if (shared) return shared
    const axes = (a: number) => e.constant([a], 'int64', [1])
    if (layout === 'eager') {
      const m = e.op('Cast', [e.op('Unsqueeze', [e.op('Unsqueeze', ['attention_mask', axes(1)]), axes(2)])], [attrInt('to', DT.FLOAT)])
      shared = { add: e.op('Mul', [e.op('Sub', [e.constant([1], 'float'), m]), e.constant([FLOAT32_MIN], 'float')]) }
    } else if (layout === 'sdpa') {
      const expanded = e.op('Expand', [
        e.op('Unsqueeze', [e.op('Unsqueeze', ['attention_mask', axes(1)]), axes(2)]),
        e.shape([e.dim('input_ids', 0), 1, T, T]),
      ])
      const inverted = e.op('Sub', [e.constant([1], 'float'), e.op('Cast', [expanded], [attrInt('to', DT.FLOAT)])])
      shared = { add: e.op('Where', [e.op('Cast', [inverted], [attrInt('to', DT.BOOL)]), e.constant([FLOAT32_MIN], 'float'), inverted]) }
    } else {
      throw new Error('DistilBERT computes its mask in every layer')
    }
    return shared
  }
  for (let i = 0; i < config.num_hidden_layers; i++) {
    if (distil) {
      const p = `distilbert.transformer.layer.${i}`
      const a = attention(
        e,
        x,
        maskFor,
        { q: `${p}.attention.q_lin`, k: `${p}.attention.k_lin`, v: `${p}.attention.v_lin`, out: `${p}.attention.out_lin` },
        H,
        nh,
        layout,
      )
      const sa = e.layerNorm(e.op('Add', [a, x]), `${p}.sa_layer_norm`, H, eps)
      const ffn = e.linear(e.gelu(e.linear(sa, `${p}.ffn.lin1`, H, I)), `${p}.ffn.lin2`, I, H)
      x = e.layerNorm(e.op('Add', [ffn, sa]), `${p}.output_layer_norm`, H, eps)
    } else {
      const p = `${prefix}.encoder.layer.${i}`
      const a = attention(
        e,
        x,
        maskFor,
        {
          q: `${p}.attention.self.query`,
          k: `${p}.attention.self.key`,
          v: `${p}.attention.self.value`,
          out: `${p}.attention.output.dense`,
        },
        H,
        nh,
        layout,
      )
      const attn = e.layerNorm(e.op('Add', [a, x]), `${p}.attention.output.LayerNorm`, H, eps)
      const out = e.linear(e.gelu(e.linear(attn, `${p}.intermediate.dense`, H, I)), `${p}.output.dense`, I, H)
      x = e.layerNorm(e.op('Add', [out, attn]), `${p}.output.LayerNorm`, H, eps)
    }
  }
  const cls = e.op('Gather', [x, e.constant([0], 'int64')], [attrInt('axis', 1)])
  // Heads as torch exports a 2-D Linear: Gemm with transB.
  const gemm = (y: string, module: string, outF: number): string =>
    e.op(
      'Gemm',
      [y, e.weight(`${module}.weight`, [outF, H]), e.weight(`${module}.bias`, [outF])],
      [attrFloat('alpha', 1), attrFloat('beta', 1), attrInt('transB', 1)],
    )
  const pooled = distil ? e.op('Relu', [gemm(cls, 'pre_classifier', H)]) : e.op('Tanh', [gemm(cls, `${prefix}.pooler.dense`, H)])
  const logits = gemm(pooled, 'classifier', labels)
  for (const node of e.nodes) node.output = node.output.map((o) => (o === logits ? 'logits' : o))
  const io = (name: string) => makeValueInfo(name, DT.INT64, ['batch_size', 'sequence_length'])
  const inputs = distil ? ['input_ids', 'attention_mask'] : ['input_ids', 'attention_mask', 'token_type_ids']
  const graph = makeGraph(
    e.nodes,
    'main_graph',
    inputs.map(io),
    [makeValueInfo('logits', DT.FLOAT, ['batch_size', labels])],
    e.initializers,
  )
  return writeModel(makeModel(graph, { producerName: 'pytorch', producerVersion: '2.5.1' }))
}

/** (mask == 0).view(bs, 1, 1, k).expand_as(scores), written in each MultiHeadSelfAttention. */
function distilMask(e: Export, scores: string): { add?: string; where?: string } {
  const equal = e.op('Equal', ['attention_mask', e.constant([0], 'int64')])
  return {
    where: e.op('Expand', [
      e.op('Reshape', [equal, e.shape([e.dim('input_ids', 0), 1, 1, e.dim('input_ids', 1)])]),
      e.op('Shape', [scores]),
    ]),
  }
}

function makeConstInit(e: Export, name: string, data: BigInt64Array, dims: number[]): string {
  e.initializers.push(makeTensor(`${name}`, data, dims))
  return name
}
