import type { HfConfig } from '../../../scripts/convert/config.ts'
import { act, add, attention, embed, layerNorm, linear, type RefInput, type Tensors, type Vec } from './ops.ts'

/** ElectraLayer / BertLayer on one sequence (module names shared by both). */
export function bertLayer(h: Vec[], mask: number[], tensors: Tensors, p: string, config: HfConfig): Vec[] {
  const eps = config.layer_norm_eps
  const f = act(config.hidden_act)
  const ctx = attention(
    h,
    mask,
    tensors,
    { query: `${p}.attention.self.query`, key: `${p}.attention.self.key`, value: `${p}.attention.self.value` },
    config.num_attention_heads,
  )
  return h.map((x, t) => {
    const context = ctx[t] ?? new Float64Array(x.length)
    const a = layerNorm(add(linear(context, tensors, `${p}.attention.output.dense`), x), tensors, `${p}.attention.output.LayerNorm`, eps)
    const inter = linear(a, tensors, `${p}.intermediate.dense`).map(f)
    return layerNorm(add(linear(inter, tensors, `${p}.output.dense`), a), tensors, `${p}.output.LayerNorm`, eps)
  })
}

/**
 * ElectraForSequenceClassification logits for one sequence, in Float64:
 * embeddings -> embeddings_project -> layers -> head(token 0: dense, gelu, out_proj).
 */
export function electraLogits(tensors: Tensors, config: HfConfig, input: RefInput): number[] {
  let h = embed(tensors, 'electra.embeddings', input, config.embedding_size, config.layer_norm_eps)
  if (config.embedding_size !== config.hidden_size) h = h.map((x) => linear(x, tensors, 'electra.embeddings_project'))
  for (let i = 0; i < config.num_hidden_layers; i++) h = bertLayer(h, input.attention_mask, tensors, `electra.encoder.layer.${i}`, config)
  const cls = h[0]
  if (!cls) throw new Error('reference: empty sequence')
  // ElectraClassificationHead uses get_activation("gelu"), the erf form, regardless of hidden_act.
  const dense = linear(cls, tensors, 'classifier.dense').map(act('gelu'))
  return Array.from(linear(dense, tensors, 'classifier.out_proj'))
}
