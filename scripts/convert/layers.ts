import { attrFloat, attrInt, attrInts } from '../onnx/builder.ts'
import { onnx } from '../onnx/proto.ts'
import type { HfConfig } from './config.ts'
import type { GraphBuilder } from './graph.ts'
import { AppError } from '../../src/core/errors.ts'

/**
 * Building blocks shared by the BERT-family encoders, each mirroring one
 * transformers module. Tensors are named by their ONNX value; shapes in the
 * trailing comments use B = batch, T = sequence, E = embedding_size,
 * H = hidden_size, nh = heads, hs = head size.
 */

/** torch.finfo(torch.float32).min, what get_extended_attention_mask multiplies (1 - mask) by. */
export const FLOAT32_MIN = -3.4028234663852886e38

/** nn.Linear(in, out): x @ W^T + b, with W stored once, transposed to [in, out]. */
export function linear(g: GraphBuilder, x: string, module: string, inFeatures: number, outFeatures: number, path: string): string {
  const weight = g.param(`${module}.weight`, [outFeatures, inFeatures], { transpose: true })
  const bias = g.param(`${module}.bias`, [outFeatures])
  const y = g.op('MatMul', [x, weight], `${path}/MatMul`)
  return g.op('Add', [y, bias], `${path}/Add`)
}

/** nn.LayerNorm(dim, eps) over the last axis. */
export function layerNorm(g: GraphBuilder, x: string, module: string, dim: number, eps: number, path: string): string {
  const scale = g.param(`${module}.weight`, [dim])
  const bias = g.param(`${module}.bias`, [dim])
  return g.op('LayerNormalization', [x, scale, bias], `${path}/LayerNormalization`, [attrInt('axis', -1), attrFloat('epsilon', eps)])
}

/**
 * transformers' ACT2FN[name]: 'gelu' is the exact erf form, 'gelu_new' /
 * 'gelu_pytorch_tanh' / 'gelu_fast' the tanh approximation. Written out in
 * opset-17 ops (Gelu is opset 20) in the shapes onnxruntime fuses.
 */
export function activation(g: GraphBuilder, x: string, name: string, path: string): string {
  switch (name) {
    case 'gelu': {
      // 0.5 * x * (1 + erf(x / sqrt(2)))
      const scaled = g.op('Div', [x, g.constFloat('sqrt_2', [Math.SQRT2])], `${path}/Div`)
      const erf = g.op('Erf', [scaled], `${path}/Erf`)
      const onePlus = g.op('Add', [erf, g.constFloat('one', [1])], `${path}/Add`)
      const times = g.op('Mul', [x, onePlus], `${path}/Mul`)
      return g.op('Mul', [times, g.constFloat('half', [0.5])], `${path}/Mul_1`)
    }
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast': {
      // 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
      const cube = g.op('Pow', [x, g.constFloat('three', [3])], `${path}/Pow`)
      const scaledCube = g.op('Mul', [cube, g.constFloat('gelu_coeff', [0.044715])], `${path}/Mul`)
      const inner = g.op('Add', [x, scaledCube], `${path}/Add`)
      const scaled = g.op('Mul', [inner, g.constFloat('sqrt_2_over_pi', [Math.sqrt(2 / Math.PI)])], `${path}/Mul_1`)
      const tanh = g.op('Tanh', [scaled], `${path}/Tanh`)
      const onePlus = g.op('Add', [tanh, g.constFloat('one', [1])], `${path}/Add_1`)
      // (0.5 * x) * (1 + tanh): the order onnxruntime's FastGeluFusion matches.
      const half = g.op('Mul', [x, g.constFloat('half', [0.5])], `${path}/Mul_2`)
      return g.op('Mul', [half, onePlus], `${path}/Mul_3`)
    }
    case 'relu':
      return g.op('Relu', [x], `${path}/Relu`)
    case 'tanh':
      return g.op('Tanh', [x], `${path}/Tanh`)
    case 'silu':
    case 'swish':
      return g.op('Mul', [x, g.op('Sigmoid', [x], `${path}/Sigmoid`)], `${path}/Mul`)
    default:
      throw new AppError(
        'invalid_config',
        `hidden_act "${name}" is not supported; use gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu, tanh or silu`,
      )
  }
}

/** Where an embeddings block gets its token types. */
export interface EmbeddingOptions {
  /**
   * 'input': the graph's token_type_ids; 'zeros': row 0 for every token, as
   * transformers does when the tokenizer's model_input_names has no
   * token_type_ids (its all-zero token_type_ids buffer). Default 'input'.
   */
  tokenTypes?: 'input' | 'zeros'
  /** ERNIE's use_task_id: add task_type_embeddings row 0 (task_type_ids default to zeros). */
  taskTypes?: boolean
}

/**
 * BertEmbeddings / AlbertEmbeddings / ElectraEmbeddings / ErnieEmbeddings:
 * word + token_type + position (ids 0..T-1) [+ task_type] -> LayerNorm
 * (dropout is identity at inference).
 */
export function embeddings(g: GraphBuilder, module: string, config: HfConfig, path: string, options: EmbeddingOptions = {}): string {
  const E = config.embedding_size
  const word = g.op(
    'Gather',
    [g.param(`${module}.word_embeddings.weight`, [config.vocab_size, E]), 'input_ids'],
    `${path}/word_embeddings/Gather`,
  ) // [B, T, E]
  const tokenTypeTable = g.param(`${module}.token_type_embeddings.weight`, [config.type_vocab_size, E])
  const tokenTypeIds = options.tokenTypes === 'zeros' ? g.constInt64('zero_scalar', [0], []) : 'token_type_ids'
  const tokenType = g.op('Gather', [tokenTypeTable, tokenTypeIds], `${path}/token_type_embeddings/Gather`) // [B, T, E] or [E]
  const position = positionEmbeddings(g, `${module}.position_embeddings.weight`, config, path) // [T, E]
  let sum = g.op('Add', [g.op('Add', [word, tokenType], `${path}/Add`), position], `${path}/Add_1`)
  if (options.taskTypes === true) {
    const table = g.param(`${module}.task_type_embeddings.weight`, [config.task_type_vocab_size ?? 0, E])
    const task = g.op('Gather', [table, g.constInt64('zero_scalar', [0], [])], `${path}/task_type_embeddings/Gather`) // [E]
    sum = g.op('Add', [sum, task], `${path}/Add_2`)
  }
  return layerNorm(g, sum, `${module}.LayerNorm`, E, config.layer_norm_eps, `${path}/LayerNorm`)
}

/** position_embeddings(arange(T)) -> [T, E], T read from input_ids at run time. */
export function positionEmbeddings(g: GraphBuilder, weight: string, config: HfConfig, path: string): string {
  const shape = g.op('Shape', ['input_ids'], `${path}/Shape`)
  const seqLength = g.op('Gather', [shape, g.constInt64('one_scalar', [1], [])], `${path}/Gather`, [attrInt('axis', 0)]) // scalar T
  const positionIds = g.op('Range', [g.constInt64('zero_scalar', [0], []), seqLength, g.constInt64('one_scalar', [1], [])], `${path}/Range`) // [T]
  return g.op(
    'Gather',
    [g.param(weight, [config.max_position_embeddings, config.embedding_size]), positionIds],
    `${path}/position_embeddings/Gather`,
  ) // [T, E]
}

/**
 * ModuleUtilsMixin.get_extended_attention_mask: [B, T] of 1/0 ->
 * (1 - mask) * finfo.min, [B, 1, 1, T], added to every head's scores.
 */
export function extendedAttentionMask(g: GraphBuilder, path: string): string {
  const mask = g.op('Cast', ['attention_mask'], `${path}/Cast`, [attrInt('to', onnx.TensorProto.DataType.FLOAT)])
  const inverted = g.op('Sub', [g.constFloat('one', [1]), mask], `${path}/Sub`)
  const scaled = g.op('Mul', [inverted, g.constFloat('float32_min', [FLOAT32_MIN])], `${path}/Mul`)
  return g.op('Unsqueeze', [scaled, g.constInt64('axes_1_2', [1, 2])], `${path}/Unsqueeze`) // [B, 1, 1, T]
}

/** Module names of one self-attention block (they differ between ALBERT and BERT/ELECTRA). */
export interface AttentionModules {
  query: string
  key: string
  value: string
  /** Output projection (BertSelfOutput.dense / AlbertAttention.dense). */
  dense: string
  LayerNorm: string
}

/**
 * Scaled dot-product self-attention with the output projection and the
 * residual LayerNorm: LayerNorm(x + dense(softmax(q k^T / sqrt(hs) + mask) v)).
 */
export function selfAttention(g: GraphBuilder, x: string, mask: string, m: AttentionModules, config: HfConfig, path: string): string {
  const H = config.hidden_size
  const nh = config.num_attention_heads
  const hs = H / nh
  const heads = g.constInt64(`shape_0_0_${nh}_${hs}`, [0, 0, nh, hs]) // Reshape: 0 copies B and T
  const split = (y: string, name: string, perm: readonly number[]): string =>
    g.op('Transpose', [g.op('Reshape', [y, heads], `${path}/${name}/Reshape`)], `${path}/${name}/Transpose`, [attrInts('perm', perm)])
  const q = split(linear(g, x, m.query, H, H, `${path}/query`), 'query', [0, 2, 1, 3]) // [B, nh, T, hs]
  const kT = split(linear(g, x, m.key, H, H, `${path}/key`), 'key', [0, 2, 3, 1]) // [B, nh, hs, T]
  const v = split(linear(g, x, m.value, H, H, `${path}/value`), 'value', [0, 2, 1, 3]) // [B, nh, T, hs]
  const scores = g.op('Div', [g.op('MatMul', [q, kT], `${path}/MatMul`), g.constFloat(`sqrt_${hs}`, [Math.sqrt(hs)])], `${path}/Div`) // [B, nh, T, T]
  const probs = g.op('Softmax', [g.op('Add', [scores, mask], `${path}/Add`)], `${path}/Softmax`, [attrInt('axis', -1)])
  const context = g.op('MatMul', [probs, v], `${path}/MatMul_1`) // [B, nh, T, hs]
  const merged = g.op(
    'Reshape',
    [
      g.op('Transpose', [context], `${path}/context/Transpose`, [attrInts('perm', [0, 2, 1, 3])]),
      g.constInt64(`shape_0_0_${H}`, [0, 0, H]),
    ],
    `${path}/context/Reshape`,
  ) // [B, T, H]
  const projected = linear(g, merged, m.dense, H, H, `${path}/dense`)
  const residual = g.op('Add', [x, projected], `${path}/residual/Add`)
  return layerNorm(g, residual, m.LayerNorm, H, config.layer_norm_eps, `${path}/LayerNorm`)
}

/** hidden_states[:, 0] -> [B, H] (the [CLS] / <s> token). */
export function firstToken(g: GraphBuilder, x: string, path: string): string {
  return g.op('Gather', [x, g.constInt64('zero_scalar', [0], [])], `${path}/Gather`, [attrInt('axis', 1)])
}
