import * as tf from '@tensorflow/tfjs'
import type { Model } from './model.ts'

/**
 * Temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural
 * Networks"): one scalar T > 0 fitted on validation logits by minimum negative
 * log-likelihood of softmax(logits / T). It changes no prediction, only how
 * confident the scores are. Folding it into the classifier's last linear layer
 * (weight / T, bias / T) gives logits / T from a plain Hugging Face checkpoint,
 * so the Worker, the converter and the quantizer need to know nothing about it.
 */

/** Softmax probability of class 1 (spam) for a 2-class logit row, optionally at temperature `t`. */
export function spamProbability(row: ArrayLike<number>, t = 1): number {
  const a = (row[0] ?? 0) / t
  const b = (row[1] ?? 0) / t
  return 1 / (1 + Math.exp(a - b))
}

/** Mean negative log-likelihood of the labels under softmax(logits / t). */
export function nllAt(logits: readonly ArrayLike<number>[], labels: ArrayLike<number>, t: number): number {
  let sum = 0
  for (let i = 0; i < labels.length; i++) {
    const row = logits[i] ?? []
    const a = (row[0] ?? 0) / t
    const b = (row[1] ?? 0) / t
    const max = Math.max(a, b)
    sum += Math.log(Math.exp(a - max) + Math.exp(b - max)) + max - ((labels[i] ?? 0) === 1 ? b : a)
  }
  return labels.length === 0 ? 0 : sum / labels.length
}

/**
 * The temperature minimising {@link nllAt}: golden-section search over log T
 * in [1/20, 20] (the NLL is unimodal in T for fixed logits).
 */
export function fitTemperature(
  logits: readonly ArrayLike<number>[],
  labels: ArrayLike<number>,
  range: [number, number] = [0.05, 20],
): number {
  const f = (u: number): number => nllAt(logits, labels, Math.exp(u))
  const g = (Math.sqrt(5) - 1) / 2
  let lo = Math.log(range[0])
  let hi = Math.log(range[1])
  let c = hi - g * (hi - lo)
  let d = lo + g * (hi - lo)
  let fc = f(c)
  let fd = f(d)
  for (let i = 0; i < 80 && hi - lo > 1e-7; i++) {
    if (fc < fd) {
      hi = d
      d = c
      fd = fc
      c = hi - g * (hi - lo)
      fc = f(c)
    } else {
      lo = c
      c = d
      fc = fd
      d = lo + g * (hi - lo)
      fd = f(d)
    }
  }
  return Math.exp((lo + hi) / 2)
}

/**
 * Expected calibration error with `bins` equal-width confidence bins (Guo et
 * al. use 15): the confidence is the predicted class's probability, and ECE is
 * the example-weighted mean |accuracy - confidence| over the bins.
 */
export function expectedCalibrationError(logits: readonly ArrayLike<number>[], labels: ArrayLike<number>, t = 1, bins = 15): number {
  const count = new Array<number>(bins).fill(0)
  const correct = new Array<number>(bins).fill(0)
  const confidence = new Array<number>(bins).fill(0)
  for (let i = 0; i < labels.length; i++) {
    const p = spamProbability(logits[i] ?? [], t)
    const pred = p > 0.5 ? 1 : 0
    const conf = pred === 1 ? p : 1 - p
    const bin = Math.min(bins - 1, Math.floor(conf * bins))
    count[bin] = (count[bin] ?? 0) + 1
    confidence[bin] = (confidence[bin] ?? 0) + conf
    if (pred === (labels[i] ?? 0)) correct[bin] = (correct[bin] ?? 0) + 1
  }
  let ece = 0
  for (let b = 0; b < bins; b++) {
    const n = count[b] ?? 0
    if (n > 0) ece += (n / labels.length) * Math.abs((correct[b] ?? 0) / n - (confidence[b] ?? 0) / n)
  }
  return ece
}

/** The classifier's last linear layer, by transformers' parameter names. */
export function finalLayerNames(modelType: string): { weight: string; bias: string } {
  // ElectraClassificationHead ends in out_proj; Albert/BertForSequenceClassification in classifier.
  const prefix = modelType === 'electra' ? 'classifier.out_proj' : 'classifier'
  return { weight: `${prefix}.weight`, bias: `${prefix}.bias` }
}

/** Divides the last classifier layer of a tfjs model by `t` in place, so its logits become logits / t. */
export function foldTemperature(model: Model, t: number): void {
  if (!(t > 0) || !Number.isFinite(t)) throw new Error(`foldTemperature: temperature must be a positive number, got ${t}`)
  const names = finalLayerNames(model.config.model_type)
  for (const name of [names.weight, names.bias]) {
    const p = model.params.get(name)
    if (p === undefined) throw new Error(`foldTemperature: the model has no parameter ${name}`)
    const scaled = tf.div(p, t)
    p.assign(scaled)
    scaled.dispose()
  }
}

/** Calibration figures of one set of logits before and after temperature `t`. */
export interface CalibrationFigures {
  n: number
  nll_before: number
  nll_after: number
  ece_before: number
  ece_after: number
}

/** NLL and ECE of `logits` at temperature 1 and `t`. */
export function calibrationFigures(logits: readonly ArrayLike<number>[], labels: ArrayLike<number>, t: number): CalibrationFigures {
  return {
    n: labels.length,
    nll_before: nllAt(logits, labels, 1),
    nll_after: nllAt(logits, labels, t),
    ece_before: expectedCalibrationError(logits, labels, 1),
    ece_after: expectedCalibrationError(logits, labels, t),
  }
}
