import * as tf from '@tensorflow/tfjs'
import type { ParameterSpec } from '../scripts/checkpoint/parameters.ts'
import { electraParameters } from '../scripts/checkpoint/parameters.ts'
import { parameterSpecs } from '../scripts/checkpoint/generate.ts'
import type { HfConfig } from '../scripts/convert/config.ts'
import { activation, dropout, embeddingLookup, matMul2d } from './ops.ts'
import { albertEncoder, albertPooled, createModel, electraEncoder, encoderInput, linear, type Model, norm, p } from './model.ts'
import type { PretrainBatch } from './pretrain-data.ts'

/**
 * Pre-training models: the classifier's encoder and embeddings (same HF
 * names, so fine-tuning loads them with --init) plus the pre-training heads,
 * named as in transformers:
 *
 * - ALBERT (AlbertForPreTraining): `predictions.*` (AlbertMLMHead: dense to
 *   embedding_size, gelu_new, LayerNorm, decoder tied to word_embeddings +
 *   `predictions.bias`) and `sop_classifier.classifier` on the pooled output.
 * - ELECTRA: the discriminator `electra.*` + `discriminator_predictions.*`
 *   (ElectraForPreTraining) and a generator a quarter as wide
 *   (`generator.electra.*`, `generator_predictions.*`,
 *   `generator_lm_head.bias`, decoder tied to the shared word embeddings)
 *   that reads the same `electra.embeddings`, as in the ELECTRA paper.
 *
 * The classifier head (`classifier.*`) is not part of a pre-training model.
 */

const linearSpec = (name: string, inF: number, outF: number): ParameterSpec[] => [
  { name: `${name}.weight`, shape: [outF, inF], kind: 'linear' },
  { name: `${name}.bias`, shape: [outF], kind: 'bias' },
]
const layerNormSpec = (name: string, dim: number): ParameterSpec[] => [
  { name: `${name}.weight`, shape: [dim], kind: 'ln_weight' },
  { name: `${name}.bias`, shape: [dim], kind: 'ln_bias' },
]

/** The classifier's parameters without its head: what fine-tuning takes from pre-training. */
export const encoderSpecs = (config: HfConfig): ParameterSpec[] => parameterSpecs(config).filter((s) => !s.name.startsWith('classifier'))

/** ELECTRA's generator dims: hidden, heads and FFN scaled by `multiplier` (ELECTRA-small: 1/4), same depth. */
export function generatorConfig(config: HfConfig, multiplier = 0.25): HfConfig {
  return {
    ...config,
    hidden_size: Math.round(config.hidden_size * multiplier),
    num_attention_heads: Math.max(1, Math.round(config.num_attention_heads * multiplier)),
    intermediate_size: Math.round(config.intermediate_size * multiplier),
  }
}

/** Parameter list of the pre-training model for `task`. */
export function pretrainSpecs(config: HfConfig, task: 'mlm-sop' | 'rtd'): ParameterSpec[] {
  const E = config.embedding_size
  const H = config.hidden_size
  const V = config.vocab_size
  if (task === 'mlm-sop') {
    if (config.model_type !== 'albert') throw new Error('--pretrain mlm-sop is ALBERT pre-training; use --model albert')
    return [
      ...encoderSpecs(config),
      ...linearSpec('predictions.dense', H, E),
      ...layerNormSpec('predictions.LayerNorm', E),
      { name: 'predictions.bias', shape: [V], kind: 'bias' },
      ...linearSpec('sop_classifier.classifier', H, 2),
    ]
  }
  if (config.model_type !== 'electra') throw new Error('--pretrain rtd is ELECTRA pre-training; use --model electra')
  const gen = generatorConfig(config)
  // The generator's own weights: electraParameters' encoder (and projection) renamed under generator.
  const generator = electraParameters(gen)
    .filter((s) => s.name.startsWith('electra.encoder.') || s.name.startsWith('electra.embeddings_project.'))
    .map((s) => ({ ...s, name: `generator.${s.name}` }))
  return [
    ...encoderSpecs(config),
    ...linearSpec('discriminator_predictions.dense', H, H),
    ...linearSpec('discriminator_predictions.dense_prediction', H, 1),
    ...generator,
    ...linearSpec('generator_predictions.dense', gen.hidden_size, E),
    ...layerNormSpec('generator_predictions.LayerNorm', E),
    { name: 'generator_lm_head.bias', shape: [V], kind: 'bias' },
  ]
}

/** A freshly initialised pre-training model (transformers' _init_weights). */
export function createPretrainModel(config: HfConfig, task: 'mlm-sop' | 'rtd', uniform: () => number): Model {
  return createModel(config, uniform, pretrainSpecs(config, task))
}

/** Mean softmax cross-entropy of logits [N, C] against integer labels. */
function crossEntropy(logits: tf.Tensor2D, labels: Int32Array): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1]), logits) as tf.Scalar
}

/**
 * Logits over the vocabulary at the selected rows only: rows of `hidden`
 * gathered first (so the V-wide decoder runs on the ~15% masked positions,
 * not every token), then dense -> act -> LayerNorm -> tied decoder + bias.
 */
function maskedLmLogits(model: Model, hidden: tf.Tensor2D, positions: Int32Array, head: string, act: string, bias: string): tf.Tensor2D {
  const rows = embeddingLookup(hidden, tf.tensor1d(positions, 'int32'))
  const h = norm(model, activation(linear(model, rows, `${head}.dense`), act), `${head}.LayerNorm`)
  const decoder = tf.transpose(p<tf.Tensor2D>(model, `${model.config.model_type}.embeddings.word_embeddings.weight`))
  return tf.add(matMul2d(h, decoder), p<tf.Tensor1D>(model, bias))
}

/** Argmax agreement of logits rows with labels. */
function hits(logits: tf.Tensor2D, labels: Int32Array): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.tensor1d(labels, 'int32')), 'float32'))
}

/** Losses and counts of one pre-training batch (call inside a gradient function or tf.tidy). */
export interface PretrainOutput {
  /** what is minimised */
  loss: tf.Scalar
  /** named scalar parts (mlm, sop / generator, discriminator) and correct-prediction counts */
  parts: Record<string, tf.Scalar>
}

/** ALBERT: MLM loss on the masked positions + sentence-order loss on the pooled output (AlbertForPreTraining). */
export function albertPretrainLoss(model: Model, batch: PretrainBatch, training: boolean): PretrainOutput {
  const c = model.config
  const x = albertEncoder(model, encoderInput(batch), training)
  const mlmLogits = maskedLmLogits(model, x, batch.positions, 'predictions', c.hidden_act, 'predictions.bias')
  const mlm = crossEntropy(mlmLogits, batch.labels)
  const pooled = albertPooled(model, x, batch)
  const sopLogits = linear(model, dropout(pooled, c.classifier_dropout_prob ?? 0.1, training), 'sop_classifier.classifier')
  const sop = crossEntropy(sopLogits, batch.order)
  return {
    loss: tf.add<tf.Scalar>(mlm, sop),
    parts: { mlm, sop, mlm_hits: hits(mlmLogits, batch.labels), sop_hits: hits(sopLogits, batch.order) },
  }
}

/** Discriminator loss weight (ELECTRA paper: lambda = 50). */
export const RTD_WEIGHT = 50

/**
 * Samples one token per row from softmax(logits) with `uniform`; the
 * generator's samples replace the masked tokens (no gradient through them).
 */
export function sampleRows(logits: Float32Array, rows: number, vocab: number, uniform: () => number): Int32Array {
  const out = new Int32Array(rows)
  for (let r = 0; r < rows; r++) {
    const row = logits.subarray(r * vocab, (r + 1) * vocab)
    let max = -Infinity
    for (const v of row) if (v > max) max = v
    let sum = 0
    for (const v of row) sum += Math.exp(v - max)
    let target = uniform() * sum
    let pick = vocab - 1
    for (let i = 0; i < vocab; i++) {
      target -= Math.exp((row[i] ?? -Infinity) - max)
      if (target <= 0) {
        pick = i
        break
      }
    }
    out[r] = pick
  }
  return out
}

/**
 * ELECTRA replaced-token detection: the generator predicts the masked
 * tokens (MLM loss), its samples replace them, and the discriminator labels
 * every real token as original or replaced (sigmoid loss, weight 50). A
 * sample equal to the original counts as original, as in the paper.
 */
export function electraPretrainLoss(model: Model, batch: PretrainBatch, training: boolean, uniform: () => number): PretrainOutput {
  const c = model.config
  const gen = generatorConfig(c)
  const genHidden = electraEncoder(model, gen, 'generator.electra', encoderInput(batch), training)
  const genLogits = maskedLmLogits(model, genHidden, batch.positions, 'generator_predictions', 'gelu', 'generator_lm_head.bias')
  const generator = crossEntropy(genLogits, batch.labels)
  const sampled = sampleRows(genLogits.dataSync() as Float32Array, batch.positions.length, c.vocab_size, uniform)
  const ids = batch.original.slice()
  const replaced = new Float32Array(ids.length)
  batch.positions.forEach((flat, k) => {
    const s = sampled[k] ?? 0
    ids[flat] = s
    if (s !== batch.original[flat]) replaced[flat] = 1
  })
  const discBatch = { ...batch, ids }
  const x = electraEncoder(model, c, 'electra', encoderInput(discBatch), training)
  const h = activation(linear(model, x, 'discriminator_predictions.dense'), c.hidden_act)
  const logits = tf.reshape(linear(model, h, 'discriminator_predictions.dense_prediction'), [-1])
  const weights = tf.tensor1d(Float32Array.from(batch.mask))
  const labels = tf.tensor1d(replaced)
  const discriminator = tf.losses.sigmoidCrossEntropy(labels, logits, weights) as tf.Scalar
  const correct: tf.Scalar = tf.sum(tf.mul(tf.cast(tf.equal(tf.greater(logits, 0), tf.greater(labels, 0.5)), 'float32'), weights))
  return {
    loss: tf.add<tf.Scalar>(generator, tf.mul(discriminator, RTD_WEIGHT)),
    parts: { generator, discriminator, gen_hits: hits(genLogits, batch.labels), disc_hits: correct, replaced: tf.sum<tf.Scalar>(labels) },
  }
}
