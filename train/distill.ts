import * as tf from '@tensorflow/tfjs'
import type { Viewed } from './batches.ts'

/**
 * Knowledge distillation (Hinton et al. 2015, "Distilling the Knowledge in a
 * Neural Network"): a trained teacher's class probabilities, softened by a
 * temperature, are a second target beside each row's label, so the student
 * learns how sure the teacher is on every row and not only which side of the
 * boundary it lies. The teacher (train/teacher.ts) may use another
 * tokenizer: it reads the row's text, not its ids.
 */

/** How the two targets are mixed. */
export interface Distillation {
  /** weight of the teacher's soft targets; the label gets 1 − alpha */
  alpha: number
  /** the temperature both the teacher's and the student's logits are divided by in the soft term */
  temperature: number
}

/** What a run records of its teacher, so it resumes only with the same one. */
export interface DistillRecord extends Distillation {
  teacher: string
}

/** The teacher's soft targets for a batch of rows, in row order. */
export type TeacherTargets = (rows: readonly Viewed[]) => Promise<number[][]>

/** softmax(logits / temperature) of each row. */
export function softTargets(logits: readonly (readonly number[])[], temperature: number): number[][] {
  return logits.map((row) => {
    const scaled = row.map((v) => v / temperature)
    const max = Math.max(...scaled)
    const exps = scaled.map((v) => Math.exp(v - max))
    const sum = exps.reduce((a, b) => a + b, 0)
    return exps.map((v) => v / sum)
  })
}

/**
 * (1 − α) · CE(labels, logits) + α · τ² · CE(targets, logits / τ), averaged
 * over rows. The τ² keeps the soft term's gradients at the scale of the hard
 * term's as τ grows (Hinton et al., section 2).
 */
export function distillLoss(
  logits: tf.Tensor2D,
  labels: readonly number[],
  targets: readonly (readonly number[])[],
  { alpha, temperature }: Distillation,
): tf.Scalar {
  // no tidy here: the caller differentiates through this, and its tape holds the intermediates
  const hard = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([...labels], 'int32'), logits.shape[1]), logits)
  const soft = tf.losses.softmaxCrossEntropy(tf.tensor2d(targets.map((t) => [...t])), tf.div(logits, temperature))
  return tf.add(tf.mul(hard, 1 - alpha), tf.mul(soft, alpha * temperature * temperature)) as tf.Scalar
}

/** Checks a mix from the command line; returns what is wrong, naming the fix, or undefined. */
export function distillationError(d: Distillation): string | undefined {
  if (!(d.alpha > 0 && d.alpha <= 1)) return `--distill-alpha ${d.alpha}: give a weight above 0 and at most 1`
  if (!(d.temperature > 0 && Number.isFinite(d.temperature))) return `--distill-temperature ${d.temperature}: give a temperature above 0`
  return undefined
}
