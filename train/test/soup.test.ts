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
import { averageWeights, type FloatTensor, greedySoup, readCheckpoint, soupRun, type Weights } from '../soup.ts'
import { metricsOf, saveHfCheckpoint, type TrainState, type Validated } from '../trainer.ts'
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
    expect(() => averageWeights([weights({ a: [1, 2] }), weights({ a: [1] })])).toThrow(/checkpoint 2 has a 1 a \(the first has 2\)/)
    expect(() => averageWeights([weights({ a: [1] }), weights({ b: [1] })])).toThrow(/checkpoint 2 has no a/)
    expect(() => averageWeights([weights({ a: [1] }), weights({ a: [1], b: [1] })])).toThrow(/has b, which the first lacks/)
  })
})

describe('greedySoup', () => {
  // A one-feature logistic classifier, spam when w·x + b > 0, on points across [0, 1] labelled by x > 0.5.
  const xs = Array.from({ length: 21 }, (_, i) => i / 20 + 0.025)
  const labels = xs.map((x) => (x > 0.5 ? 1 : 0))
  const score = async (w: Weights): Promise<Validated> => {
    const [slope = 0, bias = 0] = values(w, 'w')
    return {
      validation: metricsOf(
        labels,
        xs.map((x) => [0, slope * x + bias]),
      ),
    }
  }
  const early = { name: 'early', weights: weights({ w: [4, -1.6] }) } // boundary at 0.4
  const late = { name: 'late', weights: weights({ w: [4, -2.4] }) } // boundary at 0.6
  const flat = { name: 'flat', weights: weights({ w: [-4, 0] }) } // calls everything ham

  it('keeps an ingredient whose average scores at least as well, and drops one that lowers it', async () => {
    const { weights: soup, report } = await greedySoup([flat, early, late], score)
    expect(report.ranked.map((r) => r.name)).toEqual(['early', 'late', 'flat'])
    expect(report.ranked[0]?.validation.accuracy).toBeLessThan(1)
    // each alone misplaces its boundary; their average puts it at 0.5
    expect(report.trials.map((t) => [t.name, t.kept])).toEqual([
      ['late', true],
      ['flat', false],
    ])
    expect(report.members).toEqual(['early', 'late'])
    expect(report.validation.validation.accuracy).toBe(1)
    expect(values(soup, 'w')).toEqual([4, -2])
  })

  it('returns the best ingredient alone when no average helps', async () => {
    const { weights: soup, report } = await greedySoup([flat, early], score)
    expect(report.members).toEqual(['early'])
    expect(values(soup, 'w')).toEqual(values(early.weights, 'w'))
  })
})

describe('soupRun', () => {
  const config = (preset: string) =>
    resolveConfig({ preset, id2label: { 0: 'ham', 1: 'spam' }, config: { initializer_range: 0.3, max_position_embeddings: 32 } })
  const random = mulberry32(5)
  const set = (n: number): Encoded[] =>
    Array.from({ length: n }, (_, i) => ({
      ids: Array.from({ length: 4 + (i % 9) }, () => 1 + Math.floor(random() * 29000)),
      label: (i % 2) as 0 | 1,
    }))
  const sets = { validation: set(24), views: set(12) }
  const checkpoint = async (name: string, preset: string, seed: number): Promise<string> => {
    const dir = join(scratch(), name)
    await saveHfCheckpoint(dir, createModel(config(preset), mulberry32(seed)), 'F32')
    return dir
  }

  it('writes the soup of real checkpoints as best/, scored through their ONNX export', async () => {
    const dirs = await Promise.all([1, 2, 3].map((seed) => checkpoint(`albert-${seed}`, 'albert-tiny', seed)))
    const out = join(scratch(), 'soup')
    const report = await soupRun({ ingredients: dirs.map((dir, i) => ({ name: `m${i}`, dir })), dir: out, sets, padId: 0, log: () => {} })

    expect(report.ranked).toHaveLength(3)
    expect(report.trials).toHaveLength(2)
    const members = await Promise.all(report.members.map(async (m) => (await readCheckpoint(dirs[Number(m.slice(1))] ?? '')).weights))
    const expected = averageWeights(members)
    const { weights: written } = await readCheckpoint(join(out, 'best'))
    expect([...written.keys()].sort()).toEqual([...expected.keys()].sort())
    for (const [name, t] of expected) expect(Array.from((written.get(name) as FloatTensor).data)).toEqual(Array.from(t.data))

    // the recorded figures are the written soup's
    const [validation, views] = await scoreCheckpoint(join(out, 'best'), [sets.validation, sets.views], 0)
    expect(report.validation).toEqual({ validation, views })
    const state = JSON.parse(await readFile(join(out, 'state.json'), 'utf8')) as TrainState
    expect(state.best).toEqual({ step: 0, validation, views })
    expect(JSON.parse(await readFile(join(out, 'soup.json'), 'utf8'))).toEqual(report)
  })

  it('refuses a training run folder and checkpoints of different models, writing nothing', async () => {
    const albert = await checkpoint('albert-a', 'albert-tiny', 7)
    const electra = await checkpoint('electra-a', 'electra-tiny', 7)
    const run = join(scratch(), 'a-run')
    await saveHfCheckpoint(join(run, 'best'), createModel(config('albert-tiny'), mulberry32(8)), 'F32')
    await writeFile(join(run, 'checkpoint.safetensors'), '')
    const ingredients = [
      { name: 'albert', dir: albert },
      { name: 'electra', dir: electra },
    ]
    await expect(soupRun({ ingredients, dir: run, sets, padId: 0, log: () => {} })).rejects.toThrow(/holds a training run/)
    const out = join(scratch(), 'mixed')
    await expect(soupRun({ ingredients, dir: out, sets, padId: 0, log: () => {} })).rejects.toThrow(/not the same architecture/)
    expect(existsSync(join(out, 'best'))).toBe(false)
  })

  it('names the fix for bad command lines', async () => {
    const albert = await checkpoint('albert-b', 'albert-tiny', 9)
    const other = await checkpoint('albert-c', 'albert-tiny', 10)
    const errors: string[] = []
    const original = console.error
    console.error = (m: string) => errors.push(m)
    try {
      const run = (ingredients: string[], model = 'albert') =>
        soupCommand({ preset: trainPreset(model), dir: join(scratch(), 'cli'), ingredients, log: () => {} })
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
