import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Encoded } from './batches.ts'
import type { HfConfig } from '../scripts/convert/config.ts'
import { configJson } from '../scripts/checkpoint/generate.ts'
import { readSafetensors, type WritableTensor, writeSafetensors } from '../scripts/convert/safetensors.ts'
import { scoreCheckpoint } from './onnx-score.ts'
import { atomicWrite, runFiles, selectionScore, type TrainState, type Validated } from './trainer.ts'

/**
 * Weight averaging: a "model soup" (Wortsman et al. 2022). Checkpoints
 * fine-tuned from one starting point lie in one basin of the loss, and their
 * uniform average keeps what they agree on; it is often more robust off the
 * training distribution than any one of them. The greedy soup takes the
 * ingredients best first and keeps each only if validation scores the average
 * with it no lower, so the soup is never below its best ingredient there.
 */

/** One float tensor of a checkpoint, in the HF layout. */
export interface FloatTensor {
  shape: readonly number[]
  data: Float32Array
}

/** A checkpoint's tensors by HF name. */
export type Weights = ReadonlyMap<string, FloatTensor>

/** The uniform average of checkpoints of one architecture, tensor by tensor. */
export function averageWeights(members: readonly Weights[]): Map<string, FloatTensor> {
  const [first, ...rest] = members
  if (first === undefined) throw new Error('averageWeights: no checkpoints to average')
  const out = new Map<string, FloatTensor>()
  for (const [name, t] of first) {
    const sum = Float32Array.from(t.data)
    for (const [i, m] of rest.entries()) {
      const other = m.get(name)
      if (other === undefined || other.shape.join() !== t.shape.join())
        throw new Error(
          `averageWeights: checkpoint ${i + 2} has ${other === undefined ? 'no' : `a ${other.shape.join('x')}`} ${name} (the first has ${t.shape.join('x')})`,
        )
      for (let j = 0; j < sum.length; j++) sum[j] = (sum[j] ?? 0) + (other.data[j] ?? 0)
    }
    for (let j = 0; j < sum.length; j++) sum[j] = (sum[j] ?? 0) / members.length
    out.set(name, { shape: t.shape, data: sum })
  }
  for (const [i, m] of rest.entries())
    for (const name of m.keys())
      if (!first.has(name)) throw new Error(`averageWeights: checkpoint ${i + 2} has ${name}, which the first lacks`)
  return out
}

/** A named checkpoint offered to the soup. */
export interface Ingredient {
  name: string
  weights: Weights
}

/** What the greedy soup tried, in order. */
export interface SoupReport {
  /** every ingredient's own validation, best first */
  ranked: Array<{ name: string } & Validated>
  /** each ingredient after the first, averaged in: the soup's validation with it, and whether it stayed */
  trials: Array<{ name: string; kept: boolean } & Validated>
  members: string[]
  validation: Validated
}

/**
 * The greedy soup: ingredients ranked by `score` (a validation of the given
 * weights) through {@link selectionScore}, the best one first, then each of the
 * others kept if the average with it scores at least as well. Ties keep the
 * ingredient, as in the paper: an average that is no worse is the flatter choice.
 */
export async function greedySoup(
  ingredients: readonly Ingredient[],
  score: (weights: Weights) => Promise<Validated>,
  log: (line: string) => void = () => {},
): Promise<{ weights: Weights; report: SoupReport }> {
  const scored: Array<{ ingredient: Ingredient; validation: Validated }> = []
  for (const ingredient of ingredients) {
    const validation = await score(ingredient.weights)
    log(`ingredient ${ingredient.name}: ${describeScore(validation)}`)
    scored.push({ ingredient, validation })
  }
  scored.sort((a, b) => selectionScore(b.validation) - selectionScore(a.validation))
  const [best, ...others] = scored
  if (best === undefined) throw new Error('greedySoup: no ingredients')
  const members = [best.ingredient]
  let { validation } = best
  let weights = best.ingredient.weights
  const trials: SoupReport['trials'] = []
  for (const { ingredient } of others) {
    const candidate = averageWeights([...members, ingredient].map((m) => m.weights))
    const v = await score(candidate)
    const kept = selectionScore(v) >= selectionScore(validation)
    log(`with ${ingredient.name}: ${describeScore(v)}${kept ? ' (kept)' : ''}`)
    trials.push({ name: ingredient.name, kept, ...v })
    if (kept) {
      members.push(ingredient)
      validation = v
      weights = candidate
    }
  }
  const ranked = scored.map((x) => ({ name: x.ingredient.name, ...x.validation }))
  return { weights, report: { ranked, trials, members: members.map((m) => m.name), validation } }
}

const describeScore = (v: Validated): string =>
  `score ${(selectionScore(v) * 100).toFixed(2)} (whole ${(v.validation.accuracy * 100).toFixed(2)}%` +
  `${v.views === undefined ? '' : `, views ${(v.views.accuracy * 100).toFixed(2)}%`}` +
  `${v.generated === undefined ? '' : `, generated ${(v.generated.accuracy * 100).toFixed(2)}%`})`

/** Reads an HF checkpoint folder (config.json + model.safetensors) as float weights. */
export async function readCheckpoint(dir: string): Promise<{ config: HfConfig; weights: Map<string, FloatTensor> }> {
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as HfConfig
  const file = join(dir, 'model.safetensors')
  const weights = new Map<string, FloatTensor>()
  for (const [name, t] of readSafetensors(await readFile(file), file).tensors) {
    if (!(t.data instanceof Float32Array)) throw new Error(`${file}: ${name} is ${t.dtype}; a soup averages float checkpoints only`)
    weights.set(name, { shape: t.shape, data: t.data })
  }
  return { config, weights }
}

/** Writes float weights as an F32 HF checkpoint folder. */
export async function writeCheckpoint(
  dir: string,
  config: HfConfig,
  weights: Weights,
  metadata: Record<string, string> = {},
): Promise<void> {
  const out: Record<string, WritableTensor> = {}
  for (const [name, t] of weights) out[name] = { dtype: 'F32', shape: [...t.shape], data: t.data }
  await mkdir(dir, { recursive: true })
  await atomicWrite(join(dir, 'model.safetensors'), writeSafetensors(out, { format: 'pt', ...metadata }))
  await atomicWrite(join(dir, 'config.json'), configJson({ ...config, torch_dtype: 'float32' }))
}

/** Whether two configs describe one graph (they may differ only in the stored dtype). */
export function sameArchitecture(a: HfConfig, b: HfConfig): boolean {
  const canonical = (v: unknown): unknown =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v)
            .filter(([k]) => k !== 'torch_dtype')
            .sort(([x], [y]) => (x < y ? -1 : 1))
            .map(([k, x]) => [k, canonical(x)]),
        )
      : v
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))
}

/** What {@link soupRun} needs: the ingredient folders by name, the run folder, the validation sets. */
export interface SoupOptions {
  ingredients: ReadonlyArray<{ name: string; dir: string }>
  dir: string
  sets: { validation: readonly Encoded[]; views?: readonly Encoded[]; generated?: readonly Encoded[] }
  padId: number
  log: (line: string) => void
}

/**
 * Builds a greedy soup from checkpoint folders into `dir`: the soup as `best/`
 * (so `export` and `assess` take it like a run's choice), `state.json` with its
 * validation, and `soup.json` with every score the choice was made on.
 */
export async function soupRun(o: SoupOptions): Promise<SoupReport> {
  if (existsSync(runFiles(o.dir).checkpoint)) throw new Error(`${o.dir} holds a training run; give the soup a folder of its own (--out)`)
  const read = await Promise.all(o.ingredients.map(async (x) => ({ ...x, ...(await readCheckpoint(x.dir)) })))
  const [first] = read
  if (first === undefined) throw new Error('soupRun: no ingredients')
  for (const x of read)
    if (!sameArchitecture(first.config, x.config))
      throw new Error(
        `${x.dir} is not the same architecture as ${first.dir} (config.json differs); a soup averages checkpoints of one model`,
      )
  const extras = (['views', 'generated'] as const).flatMap((name) => {
    const set = o.sets[name]
    return set === undefined ? [] : [{ name, set }]
  })
  const scratch = join(o.dir, 'eval-checkpoint')
  const score = async (weights: Weights): Promise<Validated> => {
    await writeCheckpoint(scratch, first.config, weights)
    const [validation, ...rest] = await scoreCheckpoint(scratch, [o.sets.validation, ...extras.map((x) => x.set)], o.padId)
    if (validation === undefined) throw new Error('soupRun: the scorer returned no validation')
    const out: Validated = { validation }
    extras.forEach((x, i) => {
      const m = rest[i]
      if (m !== undefined) out[x.name] = m
    })
    return out
  }
  const { weights, report } = await greedySoup(read, score, o.log)
  const files = runFiles(o.dir)
  await writeCheckpoint(files.best, first.config, weights, { soup: report.members.join(' ') })
  const state: TrainState = { step: 0, totalSteps: 0, seed: 0, elapsedSeconds: 0, best: { step: 0, ...report.validation }, history: [] }
  await atomicWrite(files.state, `${JSON.stringify(state, null, 1)}\n`)
  await atomicWrite(join(o.dir, 'soup.json'), `${JSON.stringify(report, null, 1)}\n`)
  return report
}
