import type { onnx } from '../onnx/proto.ts'
import { type HfConfig, numLabels } from './config.ts'
import { bertStyleLayer } from './electra.ts'
import { GraphBuilder } from './graph.ts'
import { embeddings, extendedAttentionMask, firstToken, linear } from './layers.ts'
import { bertInputs, type BuildOptions, tokenTypesOf } from './options.ts'
import type { CheckpointWeights } from './weights.ts'

/**
 * BertModel under `prefix` (modeling_bert.py): BertEmbeddings -> BertEncoder
 * (same layer as ELECTRA) -> BertPooler (dense + tanh on token 0). ERNIE is
 * this model under `ernie.` with task-type embeddings.
 */
export function bertPooled(g: GraphBuilder, config: HfConfig, prefix: 'bert' | 'ernie', options: BuildOptions, taskTypes = false): string {
  const H = config.hidden_size
  const mask = extendedAttentionMask(g, `/${prefix}/mask`) // [B, 1, 1, T]
  const embedded = { tokenTypes: tokenTypesOf(options), taskTypes }
  let x = embeddings(g, `${prefix}.embeddings`, { ...config, embedding_size: H }, `/${prefix}/embeddings`, embedded) // [B, T, H]
  for (let i = 0; i < config.num_hidden_layers; i++) {
    options.onProgress?.(`${prefix} layer ${i + 1}/${config.num_hidden_layers}`)
    x = bertStyleLayer(g, x, mask, `${prefix}.encoder.layer.${i}`, config, `/${prefix}/encoder/layer.${i}`)
  }
  const dense = linear(g, firstToken(g, x, `/${prefix}/pooler`), `${prefix}.pooler.dense`, H, H, `/${prefix}/pooler/dense`)
  return g.op('Tanh', [dense], `/${prefix}/pooler/activation/Tanh`) // [B, H]
}

/** BertForSequenceClassification: BertModel -> classifier on the pooled token 0. */
export function bertForSequenceClassification(config: HfConfig, weights: CheckpointWeights, options: BuildOptions = {}): onnx.ModelProto {
  const g = new GraphBuilder(weights)
  const pooled = bertPooled(g, config, 'bert', options)
  const logits = linear(g, pooled, 'classifier', config.hidden_size, numLabels(config), '/classifier') // [B, num_labels]
  return g.build('BertForSequenceClassification', config, bertInputs(options), logits)
}
