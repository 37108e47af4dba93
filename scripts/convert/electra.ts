import type { onnx } from '../onnx/proto.ts'
import { type HfConfig, numLabels } from './config.ts'
import { GraphBuilder } from './graph.ts'
import { activation, embeddings, extendedAttentionMask, firstToken, layerNorm, linear, selfAttention } from './layers.ts'
import { bertInputs, type BuildOptions, tokenTypesOf } from './options.ts'
import type { CheckpointWeights } from './weights.ts'

/**
 * ElectraLayer / BertLayer (same module names): self-attention, then
 * intermediate.dense -> hidden_act -> output.dense -> LayerNorm(+ residual).
 */
export function bertStyleLayer(g: GraphBuilder, x: string, mask: string, module: string, config: HfConfig, path: string): string {
  const H = config.hidden_size
  const attention = selfAttention(
    g,
    x,
    mask,
    {
      query: `${module}.attention.self.query`,
      key: `${module}.attention.self.key`,
      value: `${module}.attention.self.value`,
      dense: `${module}.attention.output.dense`,
      LayerNorm: `${module}.attention.output.LayerNorm`,
    },
    config,
    `${path}/attention`,
  )
  const intermediate = activation(
    g,
    linear(g, attention, `${module}.intermediate.dense`, H, config.intermediate_size, `${path}/intermediate/dense`),
    config.hidden_act,
    `${path}/intermediate/act`,
  )
  const output = linear(g, intermediate, `${module}.output.dense`, config.intermediate_size, H, `${path}/output/dense`)
  const residual = g.op('Add', [attention, output], `${path}/output/Add`)
  return layerNorm(g, residual, `${module}.output.LayerNorm`, H, config.layer_norm_eps, `${path}/output/LayerNorm`)
}

/**
 * ElectraForSequenceClassification (modeling_electra.py): ElectraEmbeddings
 * -> embeddings_project (when embedding_size != hidden_size) -> ElectraEncoder
 * -> ElectraClassificationHead: token 0 -> dense -> gelu (always the erf form,
 * whatever hidden_act says) -> out_proj.
 */
export function electraForSequenceClassification(
  config: HfConfig,
  weights: CheckpointWeights,
  options: BuildOptions = {},
): onnx.ModelProto {
  const g = new GraphBuilder(weights)
  const H = config.hidden_size
  const mask = extendedAttentionMask(g, '/electra/mask')
  let x = embeddings(g, 'electra.embeddings', config, '/electra/embeddings', { tokenTypes: tokenTypesOf(options) }) // [B, T, E]
  if (config.embedding_size !== H) {
    x = linear(g, x, 'electra.embeddings_project', config.embedding_size, H, '/electra/embeddings_project') // [B, T, H]
  }
  for (let i = 0; i < config.num_hidden_layers; i++) {
    options.onProgress?.(`electra layer ${i + 1}/${config.num_hidden_layers}`)
    x = bertStyleLayer(g, x, mask, `electra.encoder.layer.${i}`, config, `/electra/encoder/layer.${i}`)
  }
  const cls = firstToken(g, x, '/classifier') // [B, H]
  const dense = activation(g, linear(g, cls, 'classifier.dense', H, H, '/classifier/dense'), 'gelu', '/classifier/act')
  const logits = linear(g, dense, 'classifier.out_proj', H, numLabels(config), '/classifier/out_proj') // [B, num_labels]
  return g.build('ElectraForSequenceClassification', config, bertInputs(options), logits)
}
