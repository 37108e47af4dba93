import * as tf from '@tensorflow/tfjs'
import type { Viewed } from './batches.ts'
import { spamProbability } from './calibrate.ts'

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
  /**
   * the soft term only on rows whose label the teacher gives (its probability of it at least 1/2); the
   * others learn from their label alone, so a teacher's errors are not taught against the label
   */
  agreeing?: true
}

/** What a run records of its teacher, so it resumes only with the same one. */
export interface DistillRecord extends Distillation {
  teacher: string
}

/** The teacher's soft targets for a batch of rows, in row order. */
export type TeacherTargets = (rows: readonly Viewed[]) => Promise<number[][]>

/** softmax(logits / temperature) of each 2-class (ham, spam) row. */
export function softTargets(logits: readonly (readonly number[])[], temperature: number): number[][] {
  return logits.map((row) => {
    const spam = spamProbability(row, temperature)
    return [1 - spam, spam]
  })
}

/**
 * (1 − α) · CE(labels, logits) + α · τ² · KL(targets ‖ softmax(logits / τ)),
 * averaged over rows. The τ² keeps the soft term's gradients at the scale of
 * the hard term's as τ grows (Hinton et al., section 2). KL rather than the
 * cross-entropy (the same gradient) so the loss is 0 where the student gives
 * the targets, and a distilled run's training loss reads like any other's.
 * With `agreeing`, a row whose target gives its label less than 1/2 has α = 0.
 */
export function distillLoss(
  logits: tf.Tensor2D,
  labels: readonly number[],
  targets: readonly (readonly number[])[],
  { alpha, temperature, agreeing }: Distillation,
): tf.Scalar {
  const alphas = targets.map((t, i) => {
    const label = labels[i]
    if (label !== 0 && label !== 1) throw new Error(`distillLoss: row ${i} has label ${label}; labels are 0 (ham) or 1 (spam)`)
    return agreeing === true && (t[label] ?? 0) < 0.5 ? 0 : alpha
  })
  const hard = tf.neg(tf.sum(tf.mul(tf.oneHot(tf.tensor1d([...labels], 'int32'), logits.shape[1]), tf.logSoftmax(logits)), 1))
  const soft = tf.neg(tf.sum(tf.mul(tf.tensor2d(targets.map((t) => [...t])), tf.logSoftmax(tf.div(logits, temperature))), 1))
  const entropy = tf.tensor1d(targets.map((t) => -t.reduce((h, p) => h + (p > 0 ? p * Math.log(p) : 0), 0)))
  const kl = tf.mul(tf.sub(soft, entropy), temperature * temperature)
  const a = tf.tensor1d(alphas)
  return tf.mean(tf.add(tf.mul(hard, tf.sub(1, a)), tf.mul(kl, a))) as tf.Scalar
}

/** Checks a mix from the command line; returns what is wrong, naming the fix, or undefined. */
export function distillationError(d: Distillation): string | undefined {
  if (!(d.alpha > 0 && d.alpha <= 1)) return `--distill-alpha ${d.alpha}: give a weight above 0 and at most 1`
  if (!(d.temperature > 0 && Number.isFinite(d.temperature)))
    return `--distill-temperature ${d.temperature}: give a finite temperature above 0`
  return undefined
}

/** The options a run's distillation is described by on the command line. */
export const distillFlags = (d: DistillRecord): string =>
  `--teacher ${d.teacher} --distill-alpha ${d.alpha} --distill-temperature ${d.temperature}${d.agreeing === true ? ' --distill-agreeing' : ''}`

/**
 * Why a run folder cannot be resumed with these options, or undefined: a run
 * continued with another teacher or mix would mix two objectives in one schedule.
 */
export function resumeError(dir: string, saved: DistillRecord | undefined, asked: DistillRecord | undefined): string | undefined {
  if (JSON.stringify(saved) === JSON.stringify(asked)) return undefined
  const was = saved === undefined ? 'without a teacher' : `with ${distillFlags(saved)}`
  return `${dir} was trained ${was}; resume it with the same options, or start afresh (--fresh, or another --out)`
}
