import * as tf from '@tensorflow/tfjs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readSafetensors } from '../safetensors.ts'
import { storedShape, type Model } from './model.ts'

/**
 * `--init DIR`: starts a run from the weights of an HF checkpoint folder,
 * either a classifier (an earlier run's best/) or a pre-training checkpoint
 * (pretrain's pretrained/): parameters are matched by HF name, so encoder and
 * embeddings load, the pre-training heads in the file are dropped, and a
 * classifier head the file lacks keeps its fresh initialisation.
 */

/** What {@link initFrom} did, by parameter name. */
export interface InitReport {
  loaded: string[]
  /** model parameters the file lacks (only the classifier head may be) */
  fresh: string[]
  /** tensors in the file the model has no use for (pre-training heads) */
  dropped: string[]
}

/** Loads matching parameters from `<dir>/model.safetensors` into `model`. */
export async function initFrom(model: Model, dir: string): Promise<InitReport> {
  const file = join(dir, 'model.safetensors')
  const { tensors } = readSafetensors(await readFile(file), file)
  const report: InitReport = { loaded: [], fresh: [], dropped: [] }
  const used = new Set<string>()
  for (const spec of model.specs) {
    const t = tensors.get(spec.name)
    const v = model.params.get(spec.name)
    if (v === undefined) continue
    if (t === undefined) {
      if (!spec.name.startsWith('classifier')) throw new Error(`--init ${dir} has no ${spec.name}; it is not a checkpoint of this architecture`)
      report.fresh.push(spec.name)
      continue
    }
    if (!(t.data instanceof Float32Array)) throw new Error(`--init ${dir}: ${spec.name} is not a float tensor`)
    if (t.shape.join() !== spec.shape.join()) throw new Error(`--init ${dir}: ${spec.name} has shape ${t.shape.join('x')}, this model needs ${spec.shape.join('x')}`)
    tf.tidy(() => {
      const value = tf.tensor(t.data as Float32Array, spec.shape)
      v.assign(spec.kind === 'linear' ? tf.transpose(value) : value)
    })
    if (v.shape.join() !== storedShape(spec).join()) throw new Error(`--init: ${spec.name} stored as ${v.shape.join('x')}`)
    used.add(spec.name)
    report.loaded.push(spec.name)
  }
  for (const name of tensors.keys()) if (!used.has(name)) report.dropped.push(name)
  return report
}
