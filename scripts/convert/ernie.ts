import type { onnx } from '../onnx/proto.ts'
import { type HfConfig, numLabels } from './config.ts'
import { bertStyleLayer } from './electra.ts'
import { GraphBuilder } from './graph.ts'
import { embeddings, extendedAttentionMask, firstToken, linear } from './layers.ts'
import { bertInputs, type BuildOptions, tokenTypesOf } from './options.ts'
import type { CheckpointWeights } from './weights.ts'

/**
 * ErnieForSequenceClassification (modeling_ernie.py): BERT with the `ernie.`
 * prefix, layer_norm_eps from the config (ERNIE 3.0 uses 1e-5), and, when
 * use_task_id, task_type_embeddings added before the embeddings' LayerNorm;
 * task_type_ids default to 0, the only value a classifier is ever given, so
 * the graph adds row 0 and takes no task_type_ids input. ErniePooler (dense +
 * tanh on token 0) -> classifier.
 */
export function ernieForSequenceClassification(config: HfConfig, weights: CheckpointWeights, options: BuildOptions = {}): onnx.ModelProto {
  const g = new GraphBuilder(weights)
  const H = config.hidden_size
  const mask = extendedAttentionMask(g, '/ernie/mask') // [B, 1, 1, T]
  const embedded = { tokenTypes: tokenTypesOf(options), taskTypes: config.use_task_id === true }
  let x = embeddings(g, 'ernie.embeddings', { ...config, embedding_size: H }, '/ernie/embeddings', embedded) // [B, T, H]
  for (let i = 0; i < config.num_hidden_layers; i++) {
    options.onProgress?.(`ernie layer ${i + 1}/${config.num_hidden_layers}`)
    x = bertStyleLayer(g, x, mask, `ernie.encoder.layer.${i}`, config, `/ernie/encoder/layer.${i}`)
  }
  const pooled = g.op('Tanh', [linear(g, firstToken(g, x, '/ernie/pooler'), 'ernie.pooler.dense', H, H, '/ernie/pooler/dense')], '/ernie/pooler/activation/Tanh') // [B, H]
  const logits = linear(g, pooled, 'classifier', H, numLabels(config), '/classifier') // [B, num_labels]
  weights.assertComplete('ErnieForSequenceClassification')
  return g.build({
    name: 'ErnieForSequenceClassification',
    inputs: bertInputs(options),
    logits,
    numLabels: numLabels(config),
    metadata: { hf_architecture: 'ErnieForSequenceClassification', id2label: JSON.stringify(config.id2label) },
  })
}
