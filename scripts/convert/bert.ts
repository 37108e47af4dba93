import type { onnx } from '../onnx/proto.ts'
import { type HfConfig, numLabels } from './config.ts'
import { bertStyleLayer } from './electra.ts'
import { GraphBuilder } from './graph.ts'
import { embeddings, extendedAttentionMask, firstToken, linear } from './layers.ts'
import { bertInputs, type BuildOptions, tokenTypesOf } from './options.ts'
import type { CheckpointWeights } from './weights.ts'

/**
 * BertForSequenceClassification (modeling_bert.py): BertEmbeddings ->
 * BertEncoder (same layer as ELECTRA) -> BertPooler (dense + tanh on token 0)
 * -> classifier.
 */
export function bertForSequenceClassification(config: HfConfig, weights: CheckpointWeights, options: BuildOptions = {}): onnx.ModelProto {
  const g = new GraphBuilder(weights)
  const H = config.hidden_size
  const mask = extendedAttentionMask(g, '/bert/mask')
  let x = embeddings(g, 'bert.embeddings', { ...config, embedding_size: H }, '/bert/embeddings', { tokenTypes: tokenTypesOf(options) }) // [B, T, H]
  for (let i = 0; i < config.num_hidden_layers; i++) {
    options.onProgress?.(`bert layer ${i + 1}/${config.num_hidden_layers}`)
    x = bertStyleLayer(g, x, mask, `bert.encoder.layer.${i}`, config, `/bert/encoder/layer.${i}`)
  }
  const pooled = g.op('Tanh', [linear(g, firstToken(g, x, '/bert/pooler'), 'bert.pooler.dense', H, H, '/bert/pooler/dense')], '/bert/pooler/activation/Tanh') // [B, H]
  const logits = linear(g, pooled, 'classifier', H, numLabels(config), '/classifier') // [B, num_labels]
  weights.assertComplete('BertForSequenceClassification')
  return g.build({
    name: 'BertForSequenceClassification',
    inputs: bertInputs(options),
    logits,
    numLabels: numLabels(config),
    metadata: { hf_architecture: 'BertForSequenceClassification', id2label: JSON.stringify(config.id2label) },
  })
}
