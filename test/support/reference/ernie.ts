import type { HfConfig } from '../../../scripts/convert/config.ts'
import { bertLayer } from './electra.ts'
import { add, get, layerNorm, linear, row, type RefInput, type Tensors } from './ops.ts'

/**
 * ErnieForSequenceClassification logits for one sequence, in Float64:
 * word + token_type + position (+ task_type row 0 when use_task_id) ->
 * LayerNorm(eps from the config) -> BERT layers -> pooler(tanh) -> classifier.
 */
export function ernieLogits(tensors: Tensors, config: HfConfig, input: RefInput): number[] {
  const H = config.hidden_size
  const eps = config.layer_norm_eps
  const table = (name: string): Float32Array => get(tensors, `ernie.embeddings.${name}.weight`)
  let h = input.input_ids.map((id, t) => {
    let sum = add(
      add(row(table('word_embeddings'), id, H), row(table('token_type_embeddings'), input.token_type_ids[t] ?? 0, H)),
      row(table('position_embeddings'), t, H),
    )
    if (config.use_task_id === true) sum = add(sum, row(table('task_type_embeddings'), 0, H))
    return layerNorm(sum, tensors, 'ernie.embeddings.LayerNorm', eps)
  })
  for (let i = 0; i < config.num_hidden_layers; i++) h = bertLayer(h, input.attention_mask, tensors, `ernie.encoder.layer.${i}`, config)
  const cls = h[0]
  if (!cls) throw new Error('reference: empty sequence')
  const pooled = linear(cls, tensors, 'ernie.pooler.dense').map(Math.tanh)
  return Array.from(linear(pooled, tensors, 'classifier'))
}
