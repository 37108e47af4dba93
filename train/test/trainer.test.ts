import { describe, expect, it } from 'vitest'
import type { Encoded, Viewed } from '../batches.ts'
import { mulberry32 } from '../../scripts/checkpoint/random.ts'
import { createModel, disposeModel } from '../model.ts'
import { initAdamW, learningRate } from '../optimizer.ts'
import { trainPreset } from '../presets.ts'
import { evaluate, loadCheckpoint, metricsOf, predictBatchSize, selectionScore, type TrainState, trainLoop } from '../trainer.ts'
import { trainingScratch } from './scratch.ts'

const scratch = trainingScratch('train-loop')

describe('metricsOf', () => {
  it('counts spam as the positive class', () => {
    const m = metricsOf(
      [1, 1, 0, 0, 1],
      [
        [0, 1],
        [1, 0],
        [0, 1],
        [2, 1],
        [0, 3],
      ],
    )
    expect([m.tp, m.fn, m.fp, m.tn]).toEqual([2, 1, 1, 1])
    expect(m.accuracy).toBeCloseTo(0.6)
    expect(m.precision).toBeCloseTo(2 / 3)
    expect(m.recall).toBeCloseTo(2 / 3)
    expect(m.f1).toBeCloseTo(2 / 3)
    expect(m.loss).toBeCloseTo((Math.log(1 + Math.exp(-1)) * 2 + Math.log(1 + Math.exp(1)) * 2 + Math.log(1 + Math.exp(-3))) / 5)
  })
})

describe('learningRate', () => {
  it('warms up linearly, then decays linearly to zero', () => {
    expect(learningRate(0, 1, 10, 110)).toBeCloseTo(0.1)
    expect(learningRate(9, 1, 10, 110)).toBeCloseTo(1)
    expect(learningRate(60, 1, 10, 110)).toBeCloseTo(0.5)
    expect(learningRate(110, 1, 10, 110)).toBe(0)
  })
})

describe('trainLoop', () => {
  // Ham uses ids 1000-1019, spam 2000-2019: separable by any bag of tokens.
  const random = mulberry32(5)
  const example = (label: 0 | 1): Encoded => ({
    ids: [101, ...Array.from({ length: 6 + Math.floor(random() * 6) }, () => 1000 + label * 1000 + Math.floor(random() * 20)), 102],
    label,
  })
  const train = Array.from({ length: 96 }, (_, i) => example((i % 2) as 0 | 1))
  const validation = Array.from({ length: 32 }, (_, i) => example((i % 2) as 0 | 1))

  it('learns a separable task and resumes from its checkpoint with identical weights', async () => {
    const preset = { ...trainPreset('electra-tiny'), batchSize: 8, microBatch: 4, epochs: 5, evalEvery: 12, peakLr: 5e-3 }
    const model = createModel(preset.config, mulberry32(1))
    const opt = initAdamW(model.params)
    const state: TrainState = { step: 0, totalSteps: 60, seed: 1, elapsedSeconds: 0, best: null, history: [] }
    const before = await evaluate(model, validation, 0)
    const done = await trainLoop({ preset, model, opt, train, validation, padId: 0, dir: scratch(), seed: 1, log: () => {} }, state)
    expect(done.step).toBe(60)
    expect(done.history.map((h) => h.step)).toEqual([12, 24, 36, 48, 60])
    const after = await evaluate(model, validation, 0)
    expect(after.loss).toBeLessThan(before.loss * 0.5)
    expect(after.accuracy).toBeGreaterThanOrEqual(0.9)

    const copy = createModel(preset.config, mulberry32(99))
    const copyOpt = initAdamW(copy.params)
    const resumed = await loadCheckpoint(scratch(), copy, copyOpt)
    expect(resumed?.step).toBe(60)
    expect(copyOpt.step).toBe(60)
    for (const [name, v] of model.params) expect(Array.from(copy.params.get(name)?.dataSync() ?? [])).toEqual(Array.from(v.dataSync()))
    disposeModel(model)
    disposeModel(copy)
  })
})

describe('trainLoop with views', () => {
  const random = mulberry32(6)
  const example = (label: 0 | 1): Encoded => ({
    ids: [101, ...Array.from({ length: 10 }, () => 1000 + label * 1000 + Math.floor(random() * 20)), 102],
    label,
  })
  const train = Array.from({ length: 48 }, (_, i) => example((i % 2) as 0 | 1))
  const validation = Array.from({ length: 16 }, (_, i) => example((i % 2) as 0 | 1))

  it('trains on the views it is given, scores the views and generated sets and the starting weights, selects by all three', async () => {
    const preset = { ...trainPreset('albert-tiny'), batchSize: 8, epochs: 1, evalEvery: 3, peakLr: 5e-3 }
    const model = createModel(preset.config, mulberry32(1))
    const seen: number[] = []
    // a view: the first three tokens of each example, at a length drawn per step
    const views = (indices: readonly number[], step: number): Viewed[] => {
      seen.push(step)
      const maxLength = 3 + (step % 3)
      return indices.map((i) => ({ ids: (train[i]?.ids ?? []).slice(0, maxLength), label: train[i]?.label ?? 0, text: '', maxLength }))
    }
    const validationViews = validation.map((e) => ({ ...e, ids: e.ids.slice(0, 4) }))
    const generatedValidation = validation.slice(0, 10).map((e) => ({ ...e, ids: e.ids.slice(0, 6) }))
    const state: TrainState = { step: 0, totalSteps: 6, seed: 1, elapsedSeconds: 0, best: null, history: [] }
    const options = {
      preset,
      model,
      opt: initAdamW(model.params),
      train,
      validation,
      validationViews,
      views,
      padId: 0,
      dir: `${scratch()}/views`,
      seed: 1,
      log: () => {},
    }
    const done = await trainLoop({ ...options, generatedValidation, evalAtStart: true }, state)
    expect(seen).toEqual([0, 1, 2, 3, 4, 5])
    expect(done.initial?.views?.n).toBe(16)
    expect(done.history.map((h) => h.views?.n)).toEqual([16, 16])
    expect([done.initial?.generated?.n, ...done.history.map((h) => h.generated?.n)]).toEqual([10, 10, 10])
    const scores = done.history.map((h) => selectionScore(h))
    expect(done.best === null ? -1 : selectionScore(done.best)).toBe(Math.max(...scores))
    // resumed without the generated set, its selection would mix means over 3 and 2 sets
    const more = { ...done, totalSteps: 9 }
    const resume = trainLoop(options, more)
    await expect(resume).rejects.toThrow(/validation, views, generated; this run scores validation, views/)
    disposeModel(model)
  })
})

describe('selectionScore', () => {
  it('is validation accuracy, or its mean with the views and generated accuracies', () => {
    const m = (accuracy: number) => ({ ...metricsOf([], []), accuracy })
    expect(selectionScore({ validation: m(0.9) })).toBe(0.9)
    expect(selectionScore({ validation: m(0.9), views: m(0.7) })).toBeCloseTo(0.8)
    expect(selectionScore({ validation: m(0.9), views: m(0.7), generated: m(0.5) })).toBeCloseTo(0.7)
  })
})

describe('predictBatchSize', () => {
  it('keeps batch x seq² at or below 32 x 128² (the inference pass that fits the wasm heap)', () => {
    expect([16, 64, 128, 200, 256, 512, 4096].map(predictBatchSize)).toEqual([32, 32, 32, 13, 8, 2, 1])
    // one example is the floor, however long it is
    for (let seq = 1; seq <= 724; seq++) expect(predictBatchSize(seq) * Math.max(seq, 128) ** 2).toBeLessThanOrEqual(32 * 128 ** 2)
  })
})
