import type { HfConfig } from '../../../scripts/convert/config.ts'
import { bertLayer } from './electra.ts'
import { embed, linear, type RefInput, type Tensors } from './ops.ts'

/** BertForSequenceClassification logits for one sequence: embeddings -> layers -> pooler(tanh) -> classifier. */
export function bertLogits(tensors: Tensors, config: HfConfig, input: RefInput): number[] {
  let h = embed(tensors, 'bert.embeddings', input, config.hidden_size, config.layer_norm_eps)
  for (let i = 0; i < config.num_hidden_layers; i++) h = bertLayer(h, input.attention_mask, tensors, `bert.encoder.layer.${i}`, config)
  const cls = h[0]
  if (!cls) throw new Error('reference: empty sequence')
  const pooled = linear(cls, tensors, 'bert.pooler.dense').map(Math.tanh)
  return Array.from(linear(pooled, tensors, 'classifier'))
}
