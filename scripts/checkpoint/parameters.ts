import type { HfConfig } from '../convert/config.ts'

/** How a parameter is initialised by the generator. */
export type ParameterKind = 'embedding' | 'linear' | 'bias' | 'ln_weight' | 'ln_bias'

/** One checkpoint parameter: HF name, torch shape ([out, in] for Linear weights), kind. */
export interface ParameterSpec {
  name: string
  shape: number[]
  kind: ParameterKind
}

const linear = (name: string, inF: number, outF: number): ParameterSpec[] => [
  { name: `${name}.weight`, shape: [outF, inF], kind: 'linear' },
  { name: `${name}.bias`, shape: [outF], kind: 'bias' },
]
const layerNorm = (name: string, dim: number): ParameterSpec[] => [
  { name: `${name}.weight`, shape: [dim], kind: 'ln_weight' },
  { name: `${name}.bias`, shape: [dim], kind: 'ln_bias' },
]
const embeddings = (prefix: string, c: HfConfig, E: number): ParameterSpec[] => [
  { name: `${prefix}.word_embeddings.weight`, shape: [c.vocab_size, E], kind: 'embedding' },
  { name: `${prefix}.position_embeddings.weight`, shape: [c.max_position_embeddings, E], kind: 'embedding' },
  { name: `${prefix}.token_type_embeddings.weight`, shape: [c.type_vocab_size, E], kind: 'embedding' },
  ...layerNorm(`${prefix}.LayerNorm`, E),
]
const numLabels = (c: HfConfig): number => Object.keys(c.id2label).length

/** BertLayer / ElectraLayer parameters. */
const bertLayer = (p: string, c: HfConfig): ParameterSpec[] => {
  const H = c.hidden_size
  return [
    ...linear(`${p}.attention.self.query`, H, H),
    ...linear(`${p}.attention.self.key`, H, H),
    ...linear(`${p}.attention.self.value`, H, H),
    ...linear(`${p}.attention.output.dense`, H, H),
    ...layerNorm(`${p}.attention.output.LayerNorm`, H),
    ...linear(`${p}.intermediate.dense`, H, c.intermediate_size),
    ...linear(`${p}.output.dense`, c.intermediate_size, H),
    ...layerNorm(`${p}.output.LayerNorm`, H),
  ]
}

/** The state_dict of AlbertForSequenceClassification (modeling_albert.py), shared layers listed once. */
export function albertParameters(c: HfConfig): ParameterSpec[] {
  const H = c.hidden_size
  const out: ParameterSpec[] = [
    ...embeddings('albert.embeddings', c, c.embedding_size),
    ...linear('albert.encoder.embedding_hidden_mapping_in', c.embedding_size, H),
  ]
  for (let g = 0; g < (c.num_hidden_groups ?? 1); g++) {
    for (let j = 0; j < (c.inner_group_num ?? 1); j++) {
      const p = `albert.encoder.albert_layer_groups.${g}.albert_layers.${j}`
      out.push(
        ...layerNorm(`${p}.full_layer_layer_norm`, H),
        ...linear(`${p}.attention.query`, H, H),
        ...linear(`${p}.attention.key`, H, H),
        ...linear(`${p}.attention.value`, H, H),
        ...linear(`${p}.attention.dense`, H, H),
        ...layerNorm(`${p}.attention.LayerNorm`, H),
        ...linear(`${p}.ffn`, H, c.intermediate_size),
        ...linear(`${p}.ffn_output`, c.intermediate_size, H),
      )
    }
  }
  out.push(...linear('albert.pooler', H, H), ...linear('classifier', H, numLabels(c)))
  return out
}

/** The state_dict of ElectraForSequenceClassification (modeling_electra.py). */
export function electraParameters(c: HfConfig): ParameterSpec[] {
  const H = c.hidden_size
  const out: ParameterSpec[] = [...embeddings('electra.embeddings', c, c.embedding_size)]
  if (c.embedding_size !== H) out.push(...linear('electra.embeddings_project', c.embedding_size, H))
  for (let i = 0; i < c.num_hidden_layers; i++) out.push(...bertLayer(`electra.encoder.layer.${i}`, c))
  out.push(...linear('classifier.dense', H, H), ...linear('classifier.out_proj', H, numLabels(c)))
  return out
}

/** The state_dict of BertForSequenceClassification (modeling_bert.py). */
export function bertParameters(c: HfConfig): ParameterSpec[] {
  const H = c.hidden_size
  const out: ParameterSpec[] = [...embeddings('bert.embeddings', c, H)]
  for (let i = 0; i < c.num_hidden_layers; i++) out.push(...bertLayer(`bert.encoder.layer.${i}`, c))
  out.push(...linear('bert.pooler.dense', H, H), ...linear('classifier', H, numLabels(c)))
  return out
}

/** The state_dict of DistilBertForSequenceClassification (modeling_distilbert.py): no token_type table. */
export function distilbertParameters(c: HfConfig): ParameterSpec[] {
  const H = c.hidden_size
  const out: ParameterSpec[] = [
    { name: 'distilbert.embeddings.word_embeddings.weight', shape: [c.vocab_size, H], kind: 'embedding' },
    { name: 'distilbert.embeddings.position_embeddings.weight', shape: [c.max_position_embeddings, H], kind: 'embedding' },
    ...layerNorm('distilbert.embeddings.LayerNorm', H),
  ]
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `distilbert.transformer.layer.${i}`
    out.push(
      ...linear(`${p}.attention.q_lin`, H, H),
      ...linear(`${p}.attention.k_lin`, H, H),
      ...linear(`${p}.attention.v_lin`, H, H),
      ...linear(`${p}.attention.out_lin`, H, H),
      ...layerNorm(`${p}.sa_layer_norm`, H),
      ...linear(`${p}.ffn.lin1`, H, c.intermediate_size),
      ...linear(`${p}.ffn.lin2`, c.intermediate_size, H),
      ...layerNorm(`${p}.output_layer_norm`, H),
    )
  }
  out.push(...linear('pre_classifier', H, H), ...linear('classifier', H, numLabels(c)))
  return out
}

/** The state_dict of ErnieForSequenceClassification (modeling_ernie.py): BERT's, plus task_type_embeddings when use_task_id. */
export function ernieParameters(c: HfConfig): ParameterSpec[] {
  const H = c.hidden_size
  const out: ParameterSpec[] = [...embeddings('ernie.embeddings', c, H)]
  if (c.use_task_id === true)
    out.push({ name: 'ernie.embeddings.task_type_embeddings.weight', shape: [c.task_type_vocab_size ?? 0, H], kind: 'embedding' })
  for (let i = 0; i < c.num_hidden_layers; i++) out.push(...bertLayer(`ernie.encoder.layer.${i}`, c))
  out.push(...linear('ernie.pooler.dense', H, H), ...linear('classifier', H, numLabels(c)))
  return out
}
