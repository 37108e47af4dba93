import type { HfConfig } from '../../../scripts/convert/config.ts'
import { act, add, get, layerNorm, linear, row, type RefInput, type Tensors, type Vec } from './ops.ts'

/** nn.LayerNorm(dim, eps=1e-12), fixed in modeling_distilbert.py. */
const EPS = 1e-12

/**
 * MultiHeadSelfAttention as DistilBERT writes it: q / sqrt(dim_per_head)
 * before q k^T, and padded keys masked_fill'ed with finfo(float32).min.
 * Returns the context before out_lin.
 */
function distilAttention(h: Vec[], mask: number[], tensors: Tensors, p: string, heads: number): Vec[] {
  const H = h[0]?.length ?? 0
  const hs = H / heads
  const q = h.map((x) => linear(x, tensors, `${p}.q_lin`).map((v) => v / Math.sqrt(hs)))
  const k = h.map((x) => linear(x, tensors, `${p}.k_lin`))
  const v = h.map((x) => linear(x, tensors, `${p}.v_lin`))
  return h.map((_, i) => {
    const ctx = new Float64Array(H)
    for (let head = 0; head < heads; head++) {
      const scores = h.map((_, j) => {
        if ((mask[j] ?? 0) === 0) return -3.4028234663852886e38
        let s = 0
        for (let d = 0; d < hs; d++) s += (q[i]?.[head * hs + d] ?? 0) * (k[j]?.[head * hs + d] ?? 0)
        return s
      })
      const max = Math.max(...scores)
      const e = scores.map((s) => Math.exp(s - max))
      const z = e.reduce((a, b) => a + b, 0)
      e.forEach((w, j) => {
        for (let d = 0; d < hs; d++) ctx[head * hs + d] = (ctx[head * hs + d] ?? 0) + (w / z) * (v[j]?.[head * hs + d] ?? 0)
      })
    }
    return ctx
  })
}

/** TransformerBlock on one sequence. */
function transformerBlock(h: Vec[], mask: number[], tensors: Tensors, p: string, config: HfConfig): Vec[] {
  const f = act(config.hidden_act)
  const ctx = distilAttention(h, mask, tensors, `${p}.attention`, config.num_attention_heads)
  return h.map((x, t) => {
    const sa = layerNorm(
      add(linear(ctx[t] ?? new Float64Array(x.length), tensors, `${p}.attention.out_lin`), x),
      tensors,
      `${p}.sa_layer_norm`,
      EPS,
    )
    const ffn = linear(linear(sa, tensors, `${p}.ffn.lin1`).map(f), tensors, `${p}.ffn.lin2`)
    return layerNorm(add(ffn, sa), tensors, `${p}.output_layer_norm`, EPS)
  })
}

/**
 * DistilBertForSequenceClassification logits for one sequence, in Float64:
 * word + position embeddings (no token types) -> LayerNorm -> blocks ->
 * token 0 -> pre_classifier -> ReLU -> classifier. token_type_ids are ignored.
 */
export function distilbertLogits(tensors: Tensors, config: HfConfig, input: RefInput): number[] {
  const H = config.hidden_size
  let h = input.input_ids.map((id, t) => {
    const sum = add(
      row(get(tensors, 'distilbert.embeddings.word_embeddings.weight'), id, H),
      row(get(tensors, 'distilbert.embeddings.position_embeddings.weight'), t, H),
    )
    return layerNorm(sum, tensors, 'distilbert.embeddings.LayerNorm', EPS)
  })
  for (let i = 0; i < config.num_hidden_layers; i++)
    h = transformerBlock(h, input.attention_mask, tensors, `distilbert.transformer.layer.${i}`, config)
  const cls = h[0]
  if (!cls) throw new Error('reference: empty sequence')
  const pooled = linear(cls, tensors, 'pre_classifier').map((x) => Math.max(0, x))
  return Array.from(linear(pooled, tensors, 'classifier'))
}
