import type { HfConfig } from '../../../scripts/convert/config.ts'
import { act, add, attention, embed, layerNorm, linear, type RefInput, type Tensors, type Vec } from './ops.ts'

/** AlbertLayer on one sequence. */
function albertLayer(h: Vec[], mask: number[], tensors: Tensors, p: string, config: HfConfig): Vec[] {
  const eps = config.layer_norm_eps
  const f = act(config.hidden_act)
  const ctx = attention(
    h,
    mask,
    tensors,
    { query: `${p}.attention.query`, key: `${p}.attention.key`, value: `${p}.attention.value` },
    config.num_attention_heads,
  )
  return h.map((x, t) => {
    const context = ctx[t] ?? new Float64Array(x.length)
    const a = layerNorm(add(x, linear(context, tensors, `${p}.attention.dense`)), tensors, `${p}.attention.LayerNorm`, eps)
    const ffn = linear(a, tensors, `${p}.ffn`).map(f)
    return layerNorm(add(linear(ffn, tensors, `${p}.ffn_output`), a), tensors, `${p}.full_layer_layer_norm`, eps)
  })
}

/**
 * AlbertForSequenceClassification logits for one sequence, in Float64:
 * embeddings -> embedding_hidden_mapping_in -> num_hidden_layers passes
 * through the shared layer groups -> pooler(tanh) on token 0 -> classifier.
 */
export function albertLogits(tensors: Tensors, config: HfConfig, input: RefInput): number[] {
  let h = embed(tensors, 'albert.embeddings', input, config.embedding_size, config.layer_norm_eps)
  h = h.map((x) => linear(x, tensors, 'albert.encoder.embedding_hidden_mapping_in'))
  const groups = config.num_hidden_groups ?? 1
  const layersPerGroup = config.num_hidden_layers / groups
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const group = Math.trunc(i / layersPerGroup)
    for (let j = 0; j < (config.inner_group_num ?? 1); j++) {
      h = albertLayer(h, input.attention_mask, tensors, `albert.encoder.albert_layer_groups.${group}.albert_layers.${j}`, config)
    }
  }
  const cls = h[0]
  if (!cls) throw new Error('reference: empty sequence')
  const pooled = linear(cls, tensors, 'albert.pooler').map(Math.tanh)
  return Array.from(linear(pooled, tensors, 'classifier'))
}
