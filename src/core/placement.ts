/**
 * Automatic placement in a suite: the model Worker with the most room for a
 * model, by the footprints `publish` measured. A Worker's models are counted
 * as the registry counts them when all are loaded at once (src/core/inference/
 * budget.ts), beside ORT's own heap, within the Worker's budget.
 *
 * @example
 * placeModel(version, [{ name: 'a', versions: [] }, { name: 'b', versions: [v] }], budget, baseline)
 * // → { worker: 'a', fits: true }
 */
import type { Config } from './config.ts'
import { footprintOf, loadNeedBytes, type Sized } from './inference/budget.ts'

/**
 * The Worker of `workers` that a manifest's `worker` names, or the first
 * when it names none (how a model published without --worker is served);
 * undefined when it names one not in `workers`.
 */
export function placedOn<W extends { name: string }>(workers: readonly W[], worker: string | null | undefined): W | undefined {
  return worker === undefined || worker === null ? workers[0] : workers.find((w) => w.name === worker)
}

/**
 * Whether this Worker serves a model its manifest places on `worker`: in a
 * suite (MODEL_WORKERS set), the Worker placedOn names; in the one-Worker
 * layout, every model.
 */
export function servesHere(config: Config, manifest: { worker?: string | undefined }): boolean {
  return config.modelWorkers.length === 0 || placedOn(config.modelWorkers, manifest.worker)?.name === config.workerName
}

export interface WorkerLoad {
  name: string
  /** the active versions of the models placed on it */
  versions: readonly Sized[]
}

export interface Placement {
  worker: string
  /** whether the Worker holds all its models and this one loaded at once; if not, the registry evicts */
  fits: boolean
}

/**
 * The Worker whose budget keeps the most room after adding `version`; when
 * none holds all its models with it, the one that needs the least over its
 * budget. Of equals (small models whose sessions fit in pages the heap
 * already has measure 0), the one with the fewest weight bytes placed, then
 * the first. Undefined when there is no Worker.
 */
export function placeModel(
  version: Sized,
  workers: readonly WorkerLoad[],
  budgetBytes: number,
  baselineBytes: number,
): Placement | undefined {
  let best: { worker: string; left: number; weights: number } | undefined
  for (const w of workers) {
    const left = budgetBytes - loadNeedBytes(baselineBytes, w.versions.map(footprintOf), version)
    const weights = w.versions.reduce((sum, v) => sum + v.weights.size, 0)
    if (best === undefined || left > best.left || (left === best.left && weights < best.weights)) best = { worker: w.name, left, weights }
  }
  return best === undefined ? undefined : { worker: best.worker, fits: best.left >= 0 }
}
