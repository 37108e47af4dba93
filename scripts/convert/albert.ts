import type { onnx } from '../onnx/proto.ts'
import { type HfConfig, numLabels } from './config.ts'
import { GraphBuilder } from './graph.ts'
import { activation, embeddings, extendedAttentionMask, firstToken, layerNorm, linear, selfAttention } from './layers.ts'
import { bertInputs, type BuildOptions, tokenTypesOf } from './options.ts'
import type { CheckpointWeights } from './weights.ts'

/**
 * AlbertLayer: AlbertAttention (query/key/value/dense/LayerNorm) -> ffn ->
 * hidden_act -> ffn_output -> full_layer_layer_norm(+ attention output).
 */
function albertLayer(g: GraphBuilder, x: string, mask: string, module: string, config: HfConfig, path: string): string {
  const H = config.hidden_size
  const attention = selfAttention(
    g,
    x,
    mask,
    {
      query: `${module}.attention.query`,
      key: `${module}.attention.key`,
      value: `${module}.attention.value`,
      dense: `${module}.attention.dense`,
      LayerNorm: `${module}.attention.LayerNorm`,
    },
    config,
    `${path}/attention`,
  )
  const ffn = activation(
    g,
    linear(g, attention, `${module}.ffn`, H, config.intermediate_size, `${path}/ffn`),
    config.hidden_act,
    `${path}/activation`,
  )
  const ffnOutput = linear(g, ffn, `${module}.ffn_output`, config.intermediate_size, H, `${path}/ffn_output`)
  const residual = g.op('Add', [ffnOutput, attention], `${path}/Add`)
  return layerNorm(g, residual, `${module}.full_layer_layer_norm`, H, config.layer_norm_eps, `${path}/full_layer_layer_norm`)
}

/**
 * AlbertForSequenceClassification (modeling_albert.py): AlbertEmbeddings ->
 * encoder.embedding_hidden_mapping_in -> AlbertTransformer (num_hidden_layers
 * applications of the shared layer groups; each weight is one initializer
 * referenced by every application) -> pooler + tanh on token 0 -> classifier.
 */
export function albertForSequenceClassification(config: HfConfig, weights: CheckpointWeights, options: BuildOptions = {}): onnx.ModelProto {
  const g = new GraphBuilder(weights)
  const H = config.hidden_size
  const groups = config.num_hidden_groups ?? 1
  const innerGroupNum = config.inner_group_num ?? 1
  const mask = extendedAttentionMask(g, '/albert/mask')
  let x = embeddings(g, 'albert.embeddings', config, '/albert/embeddings', { tokenTypes: tokenTypesOf(options) }) // [B, T, E]
  x = linear(g, x, 'albert.encoder.embedding_hidden_mapping_in', config.embedding_size, H, '/albert/encoder/embedding_hidden_mapping_in') // [B, T, H]
  for (let i = 0; i < config.num_hidden_layers; i++) {
    options.onProgress?.(`albert layer ${i + 1}/${config.num_hidden_layers}`)
    // AlbertTransformer.forward: group_idx = int(i / (num_hidden_layers / num_hidden_groups)).
    const groupIdx = Math.floor(i / (config.num_hidden_layers / groups))
    for (let j = 0; j < innerGroupNum; j++) {
      x = albertLayer(
        g,
        x,
        mask,
        `albert.encoder.albert_layer_groups.${groupIdx}.albert_layers.${j}`,
        config,
        `/albert/encoder/layer.${i}/albert_layers.${j}`,
      )
    }
  }
  const pooled = g.op(
    'Tanh',
    [linear(g, firstToken(g, x, '/albert/pooler'), 'albert.pooler', H, H, '/albert/pooler')],
    '/albert/pooler_activation/Tanh',
  ) // [B, H]
  const logits = linear(g, pooled, 'classifier', H, numLabels(config), '/classifier') // [B, num_labels]
  return g.build('AlbertForSequenceClassification', config, bertInputs(options), logits)
}
