import * as tf from '@tensorflow/tfjs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readSafetensors } from '../scripts/convert/safetensors.ts'
import { storedShape, type Model } from './model.ts'

/**
 * `--init DIR`: starts a run from the weights of an HF checkpoint folder,
 * either a classifier (an earlier run's best/) or a pre-training checkpoint
 * (pretrain's pretrained/): parameters are matched by HF name, so encoder and
 * embeddings load, the pre-training heads in the file are dropped, and a
 * classifier head the file lacks keeps its fresh initialisation.
 *
 * A run at more tokens than the file was trained on (`--max-length 256` from a
 * 128-token best/) gets a longer position table: the learned rows are copied
 * into the first rows and repeated to fill the rest, as Longformer extends
 * RoBERTa's table, so every new position starts from a trained row instead of
 * noise and attention keeps its local shape.
 */

/** What {@link initFrom} did, by parameter name. */
export interface InitReport {
  loaded: string[]
  /** model parameters the file lacks (only the classifier head may be) */
  fresh: string[]
  /** tensors in the file the model has no use for (pre-training heads) */
  dropped: string[]
  /** position tables lengthened by repeating the file's rows: name, rows in the file -> rows now */
  extended: string[]
}

/** `rows` rows of `table` ([n, width], row-major), the learned rows repeated in order. */
export function repeatRows(table: Float32Array, n: number, width: number, rows: number): Float32Array {
  const out = new Float32Array(rows * width)
  for (let r = 0; r < rows; r++) out.set(table.subarray((r % n) * width, ((r % n) + 1) * width), r * width)
  return out
}

/** Loads matching parameters from `<dir>/model.safetensors` into `model`. */
export async function initFrom(model: Model, dir: string): Promise<InitReport> {
  const file = join(dir, 'model.safetensors')
  const { tensors } = readSafetensors(await readFile(file), file)
  const report: InitReport = { loaded: [], fresh: [], dropped: [], extended: [] }
  const used = new Set<string>()
  for (const spec of model.specs) {
    const t = tensors.get(spec.name)
    const v = model.params.get(spec.name)
    if (v === undefined) continue
    if (t === undefined) {
      if (!spec.name.startsWith('classifier'))
        throw new Error(`--init ${dir} has no ${spec.name}; it is not a checkpoint of this architecture`)
      report.fresh.push(spec.name)
      continue
    }
    if (!(t.data instanceof Float32Array)) throw new Error(`--init ${dir}: ${spec.name} is not a float tensor`)
    let data: Float32Array = t.data
    const [rows = 0, width = 0] = spec.shape
    const [fileRows = 0, fileWidth = 0] = t.shape
    if (spec.name.endsWith('position_embeddings.weight') && t.shape.length === 2 && fileWidth === width && fileRows < rows) {
      data = repeatRows(t.data, fileRows, width, rows)
      report.extended.push(`${spec.name} ${fileRows} -> ${rows}`)
    } else if (t.shape.join() !== spec.shape.join()) {
      throw new Error(`--init ${dir}: ${spec.name} has shape ${t.shape.join('x')}, this model needs ${spec.shape.join('x')}`)
    }
    tf.tidy(() => {
      const value = tf.tensor(data, spec.shape)
      v.assign(spec.kind === 'linear' ? tf.transpose(value) : value)
    })
    if (v.shape.join() !== storedShape(spec).join()) throw new Error(`--init: ${spec.name} stored as ${v.shape.join('x')}`)
    used.add(spec.name)
    report.loaded.push(spec.name)
  }
  for (const name of tensors.keys()) if (!used.has(name)) report.dropped.push(name)
  return report
}
