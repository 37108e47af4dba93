import type { onnx } from '../onnx/proto.ts'
import { type HfConfig, numLabels } from './config.ts'
import { GraphBuilder } from './graph.ts'
import { activation, extendedAttentionMask, firstToken, layerNorm, linear, positionEmbeddings, selfAttention } from './layers.ts'
import type { BuildOptions } from './options.ts'
import type { CheckpointWeights } from './weights.ts'

/** nn.LayerNorm(config.dim, eps=1e-12): DistilBERT fixes eps in code, whatever config.json says. */
const EPS = 1e-12

/**
 * Embeddings (modeling_distilbert.py): word + position -> LayerNorm. No
 * token_type table; sinusoidal_pos_embds only decides how training
 * initialised position_embeddings.weight, which the checkpoint holds either way.
 */
function distilbertEmbeddings(g: GraphBuilder, module: string, config: HfConfig, path: string): string {
  const H = config.hidden_size
  const word = g.op(
    'Gather',
    [g.param(`${module}.word_embeddings.weight`, [config.vocab_size, H]), 'input_ids'],
    `${path}/word_embeddings/Gather`,
  ) // [B, T, H]
  const position = positionEmbeddings(g, `${module}.position_embeddings.weight`, config, path) // [T, H]
  const sum = g.op('Add', [word, position], `${path}/Add`)
  return layerNorm(g, sum, `${module}.LayerNorm`, H, EPS, `${path}/LayerNorm`)
}

/**
 * TransformerBlock: MultiHeadSelfAttention (q_lin/k_lin/v_lin/out_lin) ->
 * sa_layer_norm(+ x) -> FFN (lin1 -> activation -> lin2) ->
 * output_layer_norm(+ sa_output). DistilBERT scales q before q k^T and
 * masked_fills padding with finfo.min; the graph writes the same function as
 * BERT's (scores / sqrt(hs) + extended mask), which gives the same softmax
 * and is the form the quantizer fuses into one attention op.
 */
function transformerBlock(g: GraphBuilder, x: string, mask: string, module: string, config: HfConfig, path: string): string {
  const H = config.hidden_size
  const attention = selfAttention(
    g,
    x,
    mask,
    {
      query: `${module}.attention.q_lin`,
      key: `${module}.attention.k_lin`,
      value: `${module}.attention.v_lin`,
      dense: `${module}.attention.out_lin`,
      LayerNorm: `${module}.sa_layer_norm`,
    },
    { ...config, layer_norm_eps: EPS },
    `${path}/attention`,
  ) // [B, T, H]
  const lin1 = activation(
    g,
    linear(g, attention, `${module}.ffn.lin1`, H, config.intermediate_size, `${path}/ffn/lin1`),
    config.hidden_act,
    `${path}/ffn/activation`,
  )
  const lin2 = linear(g, lin1, `${module}.ffn.lin2`, config.intermediate_size, H, `${path}/ffn/lin2`) // [B, T, H]
  const residual = g.op('Add', [lin2, attention], `${path}/Add`)
  return layerNorm(g, residual, `${module}.output_layer_norm`, H, EPS, `${path}/output_layer_norm`)
}

/**
 * DistilBertForSequenceClassification: Embeddings -> Transformer (n_layers
 * blocks) -> token 0 -> pre_classifier -> ReLU -> classifier. The graph takes
 * input_ids and attention_mask only.
 */
export function distilbertForSequenceClassification(
  config: HfConfig,
  weights: CheckpointWeights,
  options: BuildOptions = {},
): onnx.ModelProto {
  const g = new GraphBuilder(weights)
  const H = config.hidden_size
  const mask = extendedAttentionMask(g, '/distilbert/mask') // [B, 1, 1, T]
  let x = distilbertEmbeddings(g, 'distilbert.embeddings', config, '/distilbert/embeddings') // [B, T, H]
  for (let i = 0; i < config.num_hidden_layers; i++) {
    options.onProgress?.(`distilbert layer ${i + 1}/${config.num_hidden_layers}`)
    x = transformerBlock(g, x, mask, `distilbert.transformer.layer.${i}`, config, `/distilbert/transformer/layer.${i}`)
  }
  const pooled = g.op('Relu', [linear(g, firstToken(g, x, '/distilbert/pooler'), 'pre_classifier', H, H, '/pre_classifier')], '/Relu') // [B, H]
  const logits = linear(g, pooled, 'classifier', H, numLabels(config), '/classifier') // [B, num_labels]
  return g.build('DistilBertForSequenceClassification', config, ['input_ids', 'attention_mask'], logits)
}
