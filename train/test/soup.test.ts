import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../scripts/checkpoint/generate.ts'
import { mulberry32 } from '../../scripts/checkpoint/random.ts'
import type { Encoded } from '../batches.ts'
import { createModel } from '../model.ts'
import { scoreCheckpoint } from '../onnx-score.ts'
import { trainPreset } from '../presets.ts'
import { soupCommand } from '../soup-cli.ts'
import { averageWeights, type FloatTensor, greedySoup, type Ingredient, readCheckpoint, soupRun, type Weights } from '../soup.ts'
import { metricsOf, predict, saveHfCheckpoint, type TrainState, type Validated } from '../trainer.ts'
import { trainingScratch } from './scratch.ts'

const scratch = trainingScratch('train-soup')

const weights = (entries: Record<string, number[]>): Weights =>
  new Map(Object.entries(entries).map(([name, v]) => [name, { shape: [v.length], data: Float32Array.from(v) }]))
const values = (w: Weights, name: string): number[] => Array.from(w.get(name)?.data ?? [])

describe('averageWeights', () => {
  it('averages every tensor element by element', () => {
    const mean = averageWeights([weights({ a: [1, 2], b: [0] }), weights({ a: [3, 6], b: [1] }), weights({ a: [2, 1], b: [2] })])
    expect(values(mean, 'a')).toEqual([2, 3])
    expect(values(mean, 'b')).toEqual([1])
  })

  it('refuses checkpoints that differ in names or shapes', () => {
    expect(() => averageWeights([])).toThrow(/no checkpoints/)
    expect(() => averageWeights([weights({ a: [1, 2] }), weights({ a: [1] })])).toThrow(
      /1 and 2 differ: a is 2 in the first and 1 in the second/,
    )
    expect(() => averageWeights([weights({ a: [1] }), weights({ a: [1] }), weights({ b: [1] })])).toThrow(
      /1 and 3 differ: the second has no a/,
    )
    expect(() => averageWeights([weights({ a: [1] }), weights({ a: [1], b: [1] })])).toThrow(/the first has no b/)
  })
})

describe('greedySoup', () => {
  // One-feature logistic classifiers, spam when slope·x + bias > 0, on points across [0, 1] labelled by x > 0.5.
  const xs = Array.from({ length: 21 }, (_, i) => i / 20 + 0.025)
  const labels = xs.map((x) => (x > 0.5 ? 1 : 0))
  const metrics = (slope: number, bias: number) =>
    metricsOf(
      labels,
      xs.map((x) => [0, slope * x + bias]),
    )
  const score = async (w: Weights): Promise<Validated> => {
    const [slope = 0, bias = 0] = values(w, 'w')
    return { validation: metrics(slope, bias) }
  }
  const ingredient = (name: string, w: number[]): Ingredient => ({ name, weights: weights({ w }) })
  const early = ingredient('early', [4, -1.6]) // boundary at 0.4
  const late = ingredient('late', [4, -2.4]) // boundary at 0.6
  const flat = ingredient('flat', [-4, 0]) // calls everything ham

  it('keeps an ingredient whose average scores at least as well, and drops one that lowers it', async () => {
    const { weights: soup, report } = await greedySoup([flat, early, late], score)
    expect(report.ranked.map((r) => r.name)).toEqual(['early', 'late', 'flat'])
    expect(report.ranked[0]?.validation.accuracy).toBeLessThan(1)
    // each alone misplaces its boundary; their average puts it at 0.5
    expect(report.trials.map((t) => [t.name, t.kept])).toEqual([
      ['late', true],
      ['flat', false],
    ])
    expect(report.kept).toEqual(['early', 'late'])
    expect(report.soup.validation.accuracy).toBe(1)
    expect(values(soup, 'w')).toEqual([4, -2])
  })

  it('keeps a tie, and averages all the kept ingredients uniformly', async () => {
    // three classifiers with one boundary tie in every average; far moves it and is dropped
    const exact = [ingredient('a', [4, -2]), ingredient('b', [8, -4]), ingredient('c', [2, -1])]
    const far = ingredient('far', [4, -3.8]) // boundary at 0.95
    const { weights: soup, report } = await greedySoup([far, ...exact], score)
    expect(report.ranked.map((r) => r.name)).toEqual(['a', 'b', 'c', 'far'])
    expect(report.kept).toEqual(['a', 'b', 'c'])
    expect(report.trials.map((t) => t.kept)).toEqual([true, true, false])
    // the mean of all three, not a running average of pairs (which would give 4, -2)
    const [slope = 0, bias = 0] = values(soup, 'w')
    expect(slope).toBeCloseTo(14 / 3, 5)
    expect(bias).toBeCloseTo(-7 / 3, 5)
  })

  it('ranks and keeps by the mean over every set, not the whole bodies alone', async () => {
    // w = [whole-body boundary, views boundary]
    const twoSets = async (w: Weights): Promise<Validated> => {
      const [whole = 0, views = 0] = values(w, 'w')
      return { validation: metrics(1, -whole), views: metrics(1, -views) }
    }
    const wholeOnly = ingredient('whole-only', [0.5, 0.9]) // all whole bodies right, views poor
    const both = ingredient('both', [0.45, 0.5]) // one whole body wrong, views right
    const { report } = await greedySoup([wholeOnly, both], twoSets)
    expect(report.ranked.map((r) => r.name)).toEqual(['both', 'whole-only'])
    expect(report.ranked[0]?.score).toBeCloseTo((20 / 21 + 1) / 2, 10)
    // the average keeps the whole bodies as they were but loses views, so the mean drops
    expect(report.trials[0]?.validation.accuracy).toBeGreaterThanOrEqual(report.ranked[0]?.validation.accuracy ?? 1)
    expect(report.trials[0]?.score).toBeLessThan(report.ranked[0]?.score ?? 0)
    expect(report.kept).toEqual(['both'])
  })

  it('returns the best ingredient alone when no average helps', async () => {
    const { weights: soup, report } = await greedySoup([flat, early], score)
    expect(report.kept).toEqual(['early'])
    expect(values(soup, 'w')).toEqual(values(early.weights, 'w'))
  })
})

describe('soupRun', () => {
  const config = (preset: string, positions = 32) =>
    resolveConfig({ preset, id2label: { 0: 'ham', 1: 'spam' }, config: { initializer_range: 0.3, max_position_embeddings: positions } })
  const random = mulberry32(5)
  const set = (n: number): Encoded[] =>
    Array.from({ length: n }, (_, i) => ({
      ids: Array.from({ length: 4 + (i % 9) }, () => 1 + Math.floor(random() * 29000)),
      label: (i % 2) as 0 | 1,
    }))
  const sets = { validation: set(24), views: set(12) }
  const checkpoint = async (name: string, seed: number, o: { preset?: string; dtype?: 'F32' | 'F16'; positions?: number } = {}) => {
    const dir = join(scratch(), name)
    await saveHfCheckpoint(dir, createModel(config(o.preset ?? 'albert-tiny', o.positions), mulberry32(seed)), o.dtype ?? 'F32')
    return dir
  }

  it('writes the soup of real checkpoints as best/, scored through their ONNX export', async () => {
    // One model stored in F32 and in F16 (the same weights, rounded), and a model of another seed. The sets are
    // labelled with the first model's own predictions, so it and its F16 copy rank first and their average ties.
    const model = createModel(config('albert-tiny'), mulberry32(1))
    const relabel = async (items: Encoded[]): Promise<Encoded[]> =>
      (await predict(model, items, 0)).map((row, i) => ({ ids: items[i]?.ids ?? [], label: (row[1] ?? 0) > (row[0] ?? 0) ? 1 : 0 }))
    const own = { validation: await relabel(sets.validation), views: await relabel(sets.views) }
    const dirs = [join(scratch(), 'm0'), join(scratch(), 'm1'), await checkpoint('m2', 2)]
    await saveHfCheckpoint(dirs[0] ?? '', model, 'F32')
    await saveHfCheckpoint(dirs[1] ?? '', model, 'F16')
    const out = join(scratch(), 'soup')
    const run = () => soupRun({ ingredients: dirs.map((dir, i) => ({ name: `m${i}`, dir })), dir: out, sets: own, padId: 0, log: () => {} })
    const report = await run()

    expect(report.ranked.map((r) => r.name)).toEqual(['m0', 'm1', 'm2'])
    expect(report.ranked[0]?.score).toBe(1)
    expect(report.kept.slice(0, 2)).toEqual(['m0', 'm1'])
    const kept = await Promise.all(report.kept.map(async (m) => (await readCheckpoint(dirs[Number(m.slice(1))] ?? '')).weights))
    const expected = averageWeights(kept)
    const { weights: written } = await readCheckpoint(join(out, 'best'))
    expect([...written.keys()].sort()).toEqual([...expected.keys()].sort())
    for (const [name, t] of expected) expect(Array.from((written.get(name) as FloatTensor).data)).toEqual(Array.from(t.data))
    // the F16 copy's rounding shows in the average: best/ is not the first ingredient written again
    const first = kept[0]
    expect([...written].some(([name, t]) => t.data.some((v, k) => v !== first?.get(name)?.data[k]))).toBe(true)

    // the recorded figures are the written soup's
    const [validation, views] = await scoreCheckpoint(join(out, 'best'), [own.validation, own.views], 0)
    expect(report.soup).toEqual({ validation, views })
    const state = JSON.parse(await readFile(join(out, 'state.json'), 'utf8')) as TrainState
    expect(state.best).toEqual({ step: 0, validation, views })
    expect(state.soup).toEqual(report.kept)
    expect(JSON.parse(await readFile(join(out, 'soup.json'), 'utf8'))).toEqual(report)
    expect(existsSync(join(out, 'scratch'))).toBe(false)

    // a second soup into the same folder needs --fresh
    await expect(run()).rejects.toThrow(/already holds a soup .* pass --fresh/)
  })

  it('refuses what would overwrite a run or an ingredient, and checkpoints of different models', async () => {
    const albert = await checkpoint('albert-a', 7)
    const run = join(scratch(), 'a-run')
    await saveHfCheckpoint(join(run, 'best'), createModel(config('albert-tiny'), mulberry32(8)), 'F32')
    await writeFile(join(run, 'checkpoint.safetensors'), '')
    const soup = (names: string[], dirs: string[], dir: string) =>
      soupRun({ ingredients: dirs.map((d, i) => ({ name: names[i] ?? d, dir: d })), dir, sets, padId: 0, log: () => {} })
    await expect(soup(['a', 'b'], [albert, join(run, 'best')], run)).rejects.toThrow(/holds a training run/)
    const out = join(scratch(), 'refused')
    await expect(soup(['a', 'b'], [albert, join(out, 'best')], out)).rejects.toThrow(/is inside .*refused, which the soup writes/)
    const electra = await checkpoint('electra-a', 7, { preset: 'electra-tiny' })
    await expect(soup(['a', 'b'], [albert, electra], out)).rejects.toThrow(
      /electra-a cannot be averaged with .*albert-a \(config.json differs in /,
    )
    const shorter = await checkpoint('albert-16', 7, { positions: 16 })
    await expect(soup(['a', 'b'], [albert, shorter], out)).rejects.toThrow(/differs in max_position_embeddings\); .* leave it out/)
  })

  it('names the fix for bad command lines', async () => {
    const albert = await checkpoint('albert-b', 9)
    const other = await checkpoint('albert-c', 10)
    const errors: string[] = []
    const original = console.error
    console.error = (m: string) => errors.push(m)
    try {
      const run = (ingredients: string[], model = 'albert') =>
        soupCommand({ preset: trainPreset(model), dir: join(scratch(), 'cli'), ingredients, fresh: false, log: () => {} })
      expect(await run([albert])).toBe(2)
      expect(await run([albert, albert])).toBe(2)
      expect(await run([albert, scratch()])).toBe(2)
      expect(await run([albert, other], 'electra')).toBe(2)
    } finally {
      console.error = original
    }
    expect(errors).toEqual([
      expect.stringMatching(/two or more checkpoint folders, each with --ingredient DIR/),
      expect.stringMatching(/given twice/),
      expect.stringMatching(/not an HF checkpoint folder/),
      expect.stringMatching(/holds a model_type "albert" checkpoint and --model electra-small-spam is not one/),
    ])
  })
})
