import * as tf from '@tensorflow/tfjs'
import type { ParameterSpec } from '../scripts/checkpoint/parameters.ts'
import { parameterSpecs } from '../scripts/checkpoint/generate.ts'
import type { HfConfig } from '../scripts/convert/config.ts'
import { activation, batchMatMul, dropout, embeddingLookup, layerNorm, matMul2d } from './ops.ts'

/**
 * ElectraForSequenceClassification and AlbertForSequenceClassification in
 * tfjs, with transformers' parameter names (from scripts/checkpoint/parameters.ts,
 * the list the converter reads) so export is a dump. One difference in
 * storage: Linear weights are held as [in, out] (torch keeps [out, in]) so the
 * forward matmul is untransposed; export transposes them back.
 */

/** A model: config, parameters by HF name, and which names are Linear weights (stored transposed). */
export interface Model {
  config: HfConfig
  params: Map<string, tf.Variable>
  specs: ParameterSpec[]
}

/** A tokenized batch: ids and mask as int32 [B, S] (row-major); token_type_ids all 0 unless `types` is given. */
export interface Batch {
  ids: Int32Array
  mask: Int32Array
  batch: number
  seq: number
  /** token_type_ids [B, S] (sentence-pair pre-training); absent means all 0, as in classification */
  types?: Int32Array
}

/** Gaussian sampler over a seeded uniform source (Box-Muller). */
function gaussian(uniform: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())
}

/** The shape a parameter is stored with here ([in, out] for Linear weights). */
export const storedShape = (spec: ParameterSpec): number[] =>
  spec.kind === 'linear' ? [spec.shape[1] ?? 0, spec.shape[0] ?? 0] : spec.shape

/**
 * A freshly initialised model, as transformers' _init_weights does: Linear and
 * embedding weights N(0, initializer_range), biases 0, LayerNorm 1/0.
 */
let modelCount = 0

export function createModel(config: HfConfig, uniform: () => number, specs: ParameterSpec[] = parameterSpecs(config)): Model {
  // tfjs variable names are global to the process; prefix them per model instance.
  const instance = modelCount++
  const normal = gaussian(uniform)
  const params = new Map<string, tf.Variable>()
  for (const spec of specs) {
    const shape = storedShape(spec)
    const n = shape.reduce((a, b) => a * b, 1)
    const data = new Float32Array(n)
    if (spec.kind === 'linear' || spec.kind === 'embedding') for (let i = 0; i < n; i++) data[i] = normal() * config.initializer_range
    else if (spec.kind === 'ln_weight') data.fill(1)
    params.set(spec.name, tf.variable(tf.tensor(data, shape), true, `m${instance}/${spec.name}`))
  }
  return { config, params, specs }
}

/** A parameter by HF name; a missing one is a programming error. */
export function p<T extends tf.Tensor>(model: Model, name: string): T {
  const v = model.params.get(name)
  if (v === undefined) throw new Error(`model has no parameter ${name}`)
  return v as unknown as T
}

/** x @ W + b for the Linear called `name`. */
export const linear = (model: Model, x: tf.Tensor2D, name: string): tf.Tensor2D =>
  tf.add(matMul2d(x, p(model, `${name}.weight`)), p<tf.Tensor1D>(model, `${name}.bias`))

/** LayerNorm called `name`. */
export const norm = (model: Model, x: tf.Tensor2D, name: string): tf.Tensor2D =>
  layerNorm(x, p(model, `${name}.weight`), p(model, `${name}.bias`), model.config.layer_norm_eps)

/** word + position + token_type embeddings, LayerNorm, dropout -> [B*S, E]. */
function embeddings(model: Model, prefix: string, batch: Batch, ids: tf.Tensor1D, training: boolean): tf.Tensor2D {
  const E = model.config.embedding_size
  const words = embeddingLookup(p(model, `${prefix}.word_embeddings.weight`), ids)
  const positions = tf.slice(p<tf.Tensor2D>(model, `${prefix}.position_embeddings.weight`), [0, 0], [batch.seq, E])
  const typeTable = p<tf.Tensor2D>(model, `${prefix}.token_type_embeddings.weight`)
  let sum: tf.Tensor3D
  if (batch.types === undefined) {
    sum = tf.add(tf.reshape(words, [batch.batch, batch.seq, E]), tf.add(positions, tf.slice(typeTable, [0, 0], [1, E])))
  } else {
    const types = embeddingLookup(typeTable, tf.tensor1d(batch.types, 'int32'))
    sum = tf.add(tf.reshape(tf.add(words, types), [batch.batch, batch.seq, E]), positions)
  }
  const x = norm(model, tf.reshape(sum, [batch.batch * batch.seq, E]), `${prefix}.LayerNorm`)
  return dropout(x, model.config.hidden_dropout_prob, training)
}

/** Multi-head self-attention context [B*S, H] (before the output dense); dims from `c`. */
function attentionContext(
  model: Model,
  c: HfConfig,
  x: tf.Tensor2D,
  prefix: string,
  maskBias: tf.Tensor4D,
  batch: Batch,
  training: boolean,
): tf.Tensor2D {
  const { batch: B, seq: S } = batch
  const H = c.hidden_size
  const nh = c.num_attention_heads
  const d = H / nh
  const heads = (t: tf.Tensor2D): tf.Tensor3D => tf.reshape(tf.transpose(tf.reshape(t, [B, S, nh, d]), [0, 2, 1, 3]), [B * nh, S, d])
  const q = heads(tf.mul(linear(model, x, `${prefix}.query`), 1 / Math.sqrt(d)))
  const k = heads(linear(model, x, `${prefix}.key`))
  const v = heads(linear(model, x, `${prefix}.value`))
  const scores = tf.add(tf.reshape(batchMatMul(q, tf.transpose(k, [0, 2, 1])), [B, nh, S, S]), maskBias)
  const probs = dropout(tf.softmax(scores), c.attention_probs_dropout_prob, training)
  const context = batchMatMul(tf.reshape(probs, [B * nh, S, S]), v)
  return tf.reshape(tf.transpose(tf.reshape(context, [B, nh, S, d]), [0, 2, 1, 3]), [B * S, H])
}

/** Token 0 of every sequence: [B*S, H] -> [B, H]. */
export const firstToken = (x: tf.Tensor2D, batch: Batch): tf.Tensor2D =>
  tf.reshape(tf.slice(tf.reshape(x, [batch.batch, batch.seq, -1]), [0, 0, 0], [batch.batch, 1, -1]), [batch.batch, -1])

/** What an encoder needs besides its weights: the batch, its ids and the additive attention mask. */
export interface EncoderInput {
  batch: Batch
  ids: tf.Tensor1D
  /** [B, 1, 1, S]: 0 where attended, a large negative at padding */
  maskBias: tf.Tensor4D
}

/** The tensors of {@link EncoderInput} for a batch. */
export function encoderInput(batch: Batch): EncoderInput {
  const ids = tf.tensor1d(batch.ids, 'int32')
  const maskBias = tf.reshape(tf.mul(tf.sub(1, tf.tensor1d(batch.mask, 'float32')), -1e9), [batch.batch, 1, 1, batch.seq]) as tf.Tensor4D
  return { batch, ids, maskBias }
}

/**
 * ElectraModel: embeddings (prefix `electra.embeddings`, shared by the
 * generator) -> `<prefix>.embeddings_project` -> BERT layers -> hidden
 * states [B*S, H]. `c` gives the dims: the discriminator's config, or the
 * generator's narrower one with prefix `generator.electra`.
 */
export function electraEncoder(model: Model, c: HfConfig, prefix: string, input: EncoderInput, training: boolean): tf.Tensor2D {
  const drop = (t: tf.Tensor2D): tf.Tensor2D => dropout(t, c.hidden_dropout_prob, training)
  let x = embeddings(model, 'electra.embeddings', input.batch, input.ids, training)
  if (c.embedding_size !== c.hidden_size) x = linear(model, x, `${prefix}.embeddings_project`)
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const l = `${prefix}.encoder.layer.${i}`
    const context = attentionContext(model, c, x, `${l}.attention.self`, input.maskBias, input.batch, training)
    const attn = norm(model, tf.add(drop(linear(model, context, `${l}.attention.output.dense`)), x), `${l}.attention.output.LayerNorm`)
    const inter = activation(linear(model, attn, `${l}.intermediate.dense`), c.hidden_act)
    x = norm(model, tf.add(drop(linear(model, inter, `${l}.output.dense`)), attn), `${l}.output.LayerNorm`)
  }
  return x
}

/** ElectraForSequenceClassification head: token 0 -> dense, gelu -> out_proj. */
function electraLogits(model: Model, input: EncoderInput, training: boolean): tf.Tensor2D {
  const c = model.config
  const drop = (t: tf.Tensor2D): tf.Tensor2D => dropout(t, c.hidden_dropout_prob, training)
  const x = electraEncoder(model, c, 'electra', input, training)
  const cls = drop(firstToken(x, input.batch))
  const dense = drop(activation(linear(model, cls, 'classifier.dense'), 'gelu'))
  return linear(model, dense, 'classifier.out_proj')
}

/** AlbertModel up to the last hidden states: embeddings -> mapping_in -> shared layers -> [B*S, H]. */
export function albertEncoder(model: Model, input: EncoderInput, training: boolean): tf.Tensor2D {
  const c = model.config
  const drop = (t: tf.Tensor2D): tf.Tensor2D => dropout(t, c.hidden_dropout_prob, training)
  let x = linear(
    model,
    embeddings(model, 'albert.embeddings', input.batch, input.ids, training),
    'albert.encoder.embedding_hidden_mapping_in',
  )
  const groups = c.num_hidden_groups ?? 1
  const inner = c.inner_group_num ?? 1
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const g = Math.floor(i / (c.num_hidden_layers / groups))
    for (let j = 0; j < inner; j++) {
      const l = `albert.encoder.albert_layer_groups.${g}.albert_layers.${j}`
      const context = attentionContext(model, c, x, `${l}.attention`, input.maskBias, input.batch, training)
      const attn = norm(model, tf.add(drop(linear(model, context, `${l}.attention.dense`)), x), `${l}.attention.LayerNorm`)
      const ffn = linear(model, activation(linear(model, attn, `${l}.ffn`), c.hidden_act), `${l}.ffn_output`)
      x = norm(model, tf.add(drop(ffn), attn), `${l}.full_layer_layer_norm`)
    }
  }
  return x
}

/** AlbertModel's pooled output: tanh(pooler(token 0)) -> [B, H]. */
export const albertPooled = (model: Model, x: tf.Tensor2D, batch: Batch): tf.Tensor2D =>
  tf.tanh(linear(model, firstToken(x, batch), 'albert.pooler'))

/** AlbertForSequenceClassification head: pooled output -> dropout -> classifier. */
function albertLogits(model: Model, input: EncoderInput, training: boolean): tf.Tensor2D {
  const pooled = albertPooled(model, albertEncoder(model, input, training), input.batch)
  return linear(model, dropout(pooled, model.config.classifier_dropout_prob ?? 0.1, training), 'classifier')
}

/** Logits [B, num_labels] for a batch (call inside tf.tidy or a gradient function). */
export function forward(model: Model, batch: Batch, training: boolean): tf.Tensor2D {
  const input = encoderInput(batch)
  return model.config.model_type === 'albert' ? albertLogits(model, input, training) : electraLogits(model, input, training)
}

/** The parameters in HF layout (torch shapes, Linear weights transposed back), as Float32Arrays. */
export async function exportTensors(model: Model): Promise<Record<string, { shape: number[]; data: Float32Array }>> {
  const out: Record<string, { shape: number[]; data: Float32Array }> = {}
  for (const spec of model.specs) {
    const v = p<tf.Tensor>(model, spec.name)
    const t = spec.kind === 'linear' ? tf.transpose(v) : v
    out[spec.name] = { shape: spec.shape, data: (await t.data()) as Float32Array }
    if (t !== v) t.dispose()
  }
  return out
}

/** Frees the model's variables. */
export function disposeModel(model: Model): void {
  for (const v of model.params.values()) v.dispose()
}
