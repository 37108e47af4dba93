import * as tf from '@tensorflow/tfjs'
import type { ParameterSpec } from '../checkpoint/parameters.ts'
import { parameterSpecs } from '../checkpoint/generate.ts'
import type { HfConfig } from '../convert/config.ts'
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

/** A tokenized batch: ids and mask as int32 [B, S] (row-major), all token_type_ids 0. */
export interface Batch {
  ids: Int32Array
  mask: Int32Array
  batch: number
  seq: number
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

export function createModel(config: HfConfig, uniform: () => number): Model {
  // tfjs variable names are global to the process; prefix them per model instance.
  const instance = modelCount++
  const normal = gaussian(uniform)
  const specs = parameterSpecs(config)
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
function p<T extends tf.Tensor>(model: Model, name: string): T {
  const v = model.params.get(name)
  if (v === undefined) throw new Error(`model has no parameter ${name}`)
  return v as unknown as T
}

const linear = (model: Model, x: tf.Tensor2D, name: string): tf.Tensor2D =>
  tf.add(matMul2d(x, p(model, `${name}.weight`)), p<tf.Tensor1D>(model, `${name}.bias`))

const norm = (model: Model, x: tf.Tensor2D, name: string): tf.Tensor2D =>
  layerNorm(x, p(model, `${name}.weight`), p(model, `${name}.bias`), model.config.layer_norm_eps)

/** word + position + token_type(0) embeddings, LayerNorm, dropout -> [B*S, E]. */
function embeddings(model: Model, prefix: string, batch: Batch, ids: tf.Tensor1D, training: boolean): tf.Tensor2D {
  const E = model.config.embedding_size
  const words = embeddingLookup(p(model, `${prefix}.word_embeddings.weight`), ids)
  const positions = tf.slice(p<tf.Tensor2D>(model, `${prefix}.position_embeddings.weight`), [0, 0], [batch.seq, E])
  const tokenType = tf.slice(p<tf.Tensor2D>(model, `${prefix}.token_type_embeddings.weight`), [0, 0], [1, E])
  const sum = tf.add(tf.reshape(words, [batch.batch, batch.seq, E]), tf.add(positions, tokenType))
  const x = norm(model, tf.reshape(sum, [batch.batch * batch.seq, E]), `${prefix}.LayerNorm`)
  return dropout(x, model.config.hidden_dropout_prob, training)
}

/** Multi-head self-attention context [B*S, H] (before the output dense). */
function attentionContext(model: Model, x: tf.Tensor2D, prefix: string, maskBias: tf.Tensor4D, batch: Batch, training: boolean): tf.Tensor2D {
  const { batch: B, seq: S } = batch
  const H = model.config.hidden_size
  const nh = model.config.num_attention_heads
  const d = H / nh
  const heads = (t: tf.Tensor2D): tf.Tensor3D => tf.reshape(tf.transpose(tf.reshape(t, [B, S, nh, d]), [0, 2, 1, 3]), [B * nh, S, d])
  const q = heads(tf.mul(linear(model, x, `${prefix}.query`), 1 / Math.sqrt(d)))
  const k = heads(linear(model, x, `${prefix}.key`))
  const v = heads(linear(model, x, `${prefix}.value`))
  const scores = tf.add(tf.reshape(batchMatMul(q, tf.transpose(k, [0, 2, 1])), [B, nh, S, S]), maskBias)
  const probs = dropout(tf.softmax(scores), model.config.attention_probs_dropout_prob, training)
  const context = batchMatMul(tf.reshape(probs, [B * nh, S, S]), v)
  return tf.reshape(tf.transpose(tf.reshape(context, [B, nh, S, d]), [0, 2, 1, 3]), [B * S, H])
}

/** Token 0 of every sequence: [B*S, H] -> [B, H]. */
const firstToken = (x: tf.Tensor2D, batch: Batch): tf.Tensor2D =>
  tf.reshape(tf.slice(tf.reshape(x, [batch.batch, batch.seq, -1]), [0, 0, 0], [batch.batch, 1, -1]), [batch.batch, -1])

/** ElectraForSequenceClassification: embeddings -> project -> BERT layers -> head (dense, gelu, out_proj). */
function electraLogits(model: Model, batch: Batch, ids: tf.Tensor1D, maskBias: tf.Tensor4D, training: boolean): tf.Tensor2D {
  const c = model.config
  const drop = (t: tf.Tensor2D): tf.Tensor2D => dropout(t, c.hidden_dropout_prob, training)
  let x = embeddings(model, 'electra.embeddings', batch, ids, training)
  if (c.embedding_size !== c.hidden_size) x = linear(model, x, 'electra.embeddings_project')
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const l = `electra.encoder.layer.${i}`
    const context = attentionContext(model, x, `${l}.attention.self`, maskBias, batch, training)
    const attn = norm(model, tf.add(drop(linear(model, context, `${l}.attention.output.dense`)), x), `${l}.attention.output.LayerNorm`)
    const inter = activation(linear(model, attn, `${l}.intermediate.dense`), c.hidden_act)
    x = norm(model, tf.add(drop(linear(model, inter, `${l}.output.dense`)), attn), `${l}.output.LayerNorm`)
  }
  const cls = drop(firstToken(x, batch))
  const dense = drop(activation(linear(model, cls, 'classifier.dense'), 'gelu'))
  return linear(model, dense, 'classifier.out_proj')
}

/** AlbertForSequenceClassification: embeddings -> mapping_in -> shared layers -> pooler(tanh) -> classifier. */
function albertLogits(model: Model, batch: Batch, ids: tf.Tensor1D, maskBias: tf.Tensor4D, training: boolean): tf.Tensor2D {
  const c = model.config
  const drop = (t: tf.Tensor2D): tf.Tensor2D => dropout(t, c.hidden_dropout_prob, training)
  let x = linear(model, embeddings(model, 'albert.embeddings', batch, ids, training), 'albert.encoder.embedding_hidden_mapping_in')
  const groups = c.num_hidden_groups ?? 1
  const inner = c.inner_group_num ?? 1
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const g = Math.floor(i / (c.num_hidden_layers / groups))
    for (let j = 0; j < inner; j++) {
      const l = `albert.encoder.albert_layer_groups.${g}.albert_layers.${j}`
      const context = attentionContext(model, x, `${l}.attention`, maskBias, batch, training)
      const attn = norm(model, tf.add(drop(linear(model, context, `${l}.attention.dense`)), x), `${l}.attention.LayerNorm`)
      const ffn = linear(model, activation(linear(model, attn, `${l}.ffn`), c.hidden_act), `${l}.ffn_output`)
      x = norm(model, tf.add(drop(ffn), attn), `${l}.full_layer_layer_norm`)
    }
  }
  const pooled = tf.tanh(linear(model, firstToken(x, batch), 'albert.pooler'))
  return linear(model, dropout(pooled, c.classifier_dropout_prob ?? 0.1, training), 'classifier')
}

/** Logits [B, num_labels] for a batch (call inside tf.tidy or a gradient function). */
export function forward(model: Model, batch: Batch, training: boolean): tf.Tensor2D {
  const ids = tf.tensor1d(batch.ids, 'int32')
  // Additive mask over keys, [B, 1, 1, S]: 0 where attended, a large negative where padding.
  const maskBias = tf.reshape(tf.mul(tf.sub(1, tf.tensor1d(batch.mask, 'float32')), -1e9), [batch.batch, 1, 1, batch.seq]) as tf.Tensor4D
  return model.config.model_type === 'albert'
    ? albertLogits(model, batch, ids, maskBias, training)
    : electraLogits(model, batch, ids, maskBias, training)
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
