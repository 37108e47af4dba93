import type { onnx } from '../onnx/proto.ts'
import { bertPooled } from './bert.ts'
import { type HfConfig, numLabels } from './config.ts'
import { GraphBuilder } from './graph.ts'
import { linear } from './layers.ts'
import { bertInputs, type BuildOptions } from './options.ts'
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
  const pooled = bertPooled(g, config, 'ernie', options, config.use_task_id === true)
  const logits = linear(g, pooled, 'classifier', config.hidden_size, numLabels(config), '/classifier') // [B, num_labels]
  return g.build('ErnieForSequenceClassification', config, bertInputs(options), logits)
}
