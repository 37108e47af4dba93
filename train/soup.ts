import { existsSync } from 'node:fs'
import { readFile, rename, rm } from 'node:fs/promises'
import { isAbsolute, join, relative } from 'node:path'
import type { HfConfig } from '../scripts/convert/config.ts'
import { readSafetensors } from '../scripts/convert/safetensors.ts'
import { scoreCheckpoint } from './onnx-score.ts'
import {
  atomicWrite,
  runFiles,
  selectionScore,
  type TrainState,
  type Validated,
  validateOn,
  type ValidationSets,
  writeHfCheckpoint,
} from './trainer.ts'

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

/** Why two checkpoints cannot be averaged (a tensor only one has, or two shapes), or undefined when they can. */
export function tensorMismatch(a: Weights, b: Weights): string | undefined {
  for (const [name, t] of a) {
    const other = b.get(name)
    if (other === undefined) return `the second has no ${name}`
    if (other.shape.join() !== t.shape.join())
      return `${name} is ${t.shape.join('x')} in the first and ${other.shape.join('x')} in the second`
  }
  for (const name of b.keys()) if (!a.has(name)) return `the first has no ${name}`
  return undefined
}

/** The uniform average of checkpoints of one architecture, tensor by tensor. */
export function averageWeights(checkpoints: readonly Weights[]): Map<string, FloatTensor> {
  const [first, ...rest] = checkpoints
  if (first === undefined) throw new Error('averageWeights: no checkpoints to average')
  for (const [i, c] of rest.entries()) {
    const why = tensorMismatch(first, c)
    if (why !== undefined) throw new Error(`averageWeights: checkpoints 1 and ${i + 2} differ: ${why}`)
  }
  const out = new Map<string, FloatTensor>()
  for (const [name, t] of first) {
    const sum = Float32Array.from(t.data)
    for (const c of rest) {
      const data = c.get(name)?.data ?? new Float32Array(sum.length)
      for (let j = 0; j < sum.length; j++) sum[j] = (sum[j] ?? 0) + (data[j] ?? 0)
    }
    for (let j = 0; j < sum.length; j++) sum[j] = (sum[j] ?? 0) / checkpoints.length
    out.set(name, { shape: t.shape, data: sum })
  }
  return out
}

/** A named checkpoint offered to the soup. */
export interface Ingredient {
  name: string
  weights: Weights
}

/** A validation with the selection score it gives, as the report keeps it. */
export type Scored = { name: string; score: number } & Validated

/** What the greedy soup tried, in order. */
export interface SoupReport {
  /** every ingredient's own validation, best first */
  ranked: Scored[]
  /** each ingredient after the first, averaged in: the soup's validation with it, and whether it stayed */
  trials: Array<Scored & { kept: boolean }>
  /** the ingredients averaged into the soup, in the order they were kept */
  kept: string[]
  /** the soup's own validation */
  soup: Validated
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
    trials.push({ name: ingredient.name, score: selectionScore(v), kept, ...v })
    if (kept) {
      members.push(ingredient)
      validation = v
      weights = candidate
    }
  }
  const ranked = scored.map((x) => ({ name: x.ingredient.name, score: selectionScore(x.validation), ...x.validation }))
  return { weights, report: { ranked, trials, kept: members.map((m) => m.name), soup: validation } }
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

/** The first config field (torch_dtype aside) in which two checkpoints differ, or undefined: they are one graph. */
export function configDifference(a: HfConfig, b: HfConfig): string | undefined {
  const canonical = (v: unknown): string =>
    JSON.stringify(v, (_, x: unknown) =>
      x !== null && typeof x === 'object' && !Array.isArray(x)
        ? Object.fromEntries(Object.entries(x).sort(([k], [l]) => (k < l ? -1 : 1)))
        : x,
    )
  const fields = new Set([...Object.keys(a), ...Object.keys(b)])
  fields.delete('torch_dtype')
  const get = (c: HfConfig, k: string): unknown => (c as unknown as Record<string, unknown>)[k]
  return [...fields].sort().find((k) => canonical(get(a, k)) !== canonical(get(b, k)))
}

/** What {@link soupRun} needs: the ingredient folders by name, the soup's folder, the validation sets. */
export interface SoupOptions {
  ingredients: ReadonlyArray<{ name: string; dir: string }>
  dir: string
  sets: ValidationSets
  padId: number
  log: (line: string) => void
  /** replace a soup already in `dir` */
  fresh?: boolean
}

/**
 * Builds a greedy soup from checkpoint folders into `dir`: the soup as `best/`
 * (so `export` and `assess` take it like a run's choice), `soup.json` with
 * every score the choice was made on, and `state.json` with its validation,
 * written last: a folder without it holds no finished soup.
 */
export async function soupRun(o: SoupOptions): Promise<SoupReport> {
  const files = runFiles(o.dir)
  const report = join(o.dir, 'soup.json')
  if (existsSync(files.checkpoint)) throw new Error(`${o.dir} holds a training run; give the soup a folder of its own (--out)`)
  if (o.fresh !== true && [files.best, files.state, report].some((f) => existsSync(f)))
    throw new Error(`${o.dir} already holds a soup (best/, state.json or soup.json); pass --fresh to replace it, or give another --out`)
  for (const x of o.ingredients) {
    const inside = relative(o.dir, x.dir)
    if (!inside.startsWith('..') && !isAbsolute(inside))
      throw new Error(`${x.dir} is inside ${o.dir}, which the soup writes; copy it elsewhere first, or give another --out`)
  }
  const read = await Promise.all(o.ingredients.map(async (x) => ({ ...x, ...(await readCheckpoint(x.dir)) })))
  const [first] = read
  if (first === undefined) throw new Error('soupRun: no ingredients')
  for (const x of read.slice(1)) {
    const field = configDifference(first.config, x.config)
    const why = field === undefined ? tensorMismatch(first.weights, x.weights) : `config.json differs in ${field}`
    if (why !== undefined)
      throw new Error(`${x.dir} cannot be averaged with ${first.dir} (${why}); a soup takes checkpoints of one model: leave it out`)
  }
  const scratch = join(o.dir, 'scratch')
  const score = async (weights: Weights): Promise<Validated> => {
    await writeHfCheckpoint(scratch, first.config, weights, 'F32')
    return validateOn(o.sets, (sets) => scoreCheckpoint(scratch, sets, o.padId))
  }
  const { weights, report: soup } = await greedySoup(read, score, o.log)
  for (const f of [files.state, report, files.best]) await rm(f, { recursive: true, force: true })
  await writeHfCheckpoint(`${files.best}.partial`, first.config, weights, 'F32', { soup: soup.kept.join(' ') })
  await rename(`${files.best}.partial`, files.best)
  await atomicWrite(report, `${JSON.stringify(soup, null, 1)}\n`)
  const state: TrainState = {
    step: 0,
    totalSteps: 0,
    seed: 0,
    elapsedSeconds: 0,
    best: { step: 0, ...soup.soup },
    history: [],
    soup: soup.kept,
  }
  await atomicWrite(files.state, `${JSON.stringify(state, null, 1)}\n`)
  await rm(scratch, { recursive: true, force: true })
  return soup
}
