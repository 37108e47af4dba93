import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { foldTemperatureFile } from '../assess.ts'
import { makeBatch } from '../batches.ts'
import { expectedCalibrationError, finalLayerNames, fitTemperature, foldTemperature, nllAt, spamProbability } from '../calibrate.ts'
import { loadHfCheckpoint } from '../evaluate.ts'
import { createModel, disposeModel, forward } from '../model.ts'
import { trainPreset } from '../presets.ts'
import { mulberry32 } from '../../scripts/checkpoint/random.ts'
import { readSafetensors } from '../../scripts/convert/safetensors.ts'
import { saveHfCheckpoint } from '../trainer.ts'
import { trainingScratch } from './scratch.ts'

const scratch = trainingScratch('calibrate')

const random = mulberry32(3)
const batch = makeBatch(
  Array.from({ length: 6 }, (_, i) => ({
    ids: [2, ...Array.from({ length: 3 + i }, () => 5 + Math.floor(random() * 90)), 3],
    label: (i % 2) as 0 | 1,
  })),
  0,
)

describe('foldTemperature', () => {
  for (const name of ['albert-tiny', 'electra-tiny'] as const) {
    it(`${name}: the folded model's logits are the original logits / T`, () => {
      const model = createModel(trainPreset(name).config, mulberry32(1))
      // A random init gives logits near 0; a larger head makes the check meaningful.
      for (const p of Object.values(finalLayerNames(model.config.model_type)))
        model.params.get(p)?.assign(tf.mul(model.params.get(p) ?? tf.scalar(0), 50))
      const before = tf.tidy(() => forward(model, batch, false)).arraySync()
      foldTemperature(model, 2.5)
      const after = tf.tidy(() => forward(model, batch, false)).arraySync()
      expect(Math.max(...before.flat().map(Math.abs))).toBeGreaterThan(0.05)
      after.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo((before[i]?.[j] ?? NaN) / 2.5, 5)))
      disposeModel(model)
    })
  }

  it('rejects a temperature that is not a positive number', () => {
    const model = createModel(trainPreset('albert-tiny').config, mulberry32(1))
    expect(() => foldTemperature(model, 0)).toThrow(/positive/)
    expect(() => foldTemperature(model, Number.NaN)).toThrow(/positive/)
    disposeModel(model)
  })
})

describe('foldTemperatureFile', () => {
  it('divides only the last classifier layer of an HF checkpoint folder, which then gives logits / T', async () => {
    const model = createModel(trainPreset('electra-tiny').config, mulberry32(2))
    const out = join(scratch(), 'electra')
    await saveHfCheckpoint(out, model, 'F32')
    const original = readSafetensors(await readFile(join(out, 'model.safetensors')))
    const before = tf.tidy(() => forward(model, batch, false)).arraySync()
    await foldTemperatureFile(out, 4)
    const folded = readSafetensors(await readFile(join(out, 'model.safetensors')))
    expect(folded.metadata.temperature_folded).toBe('4')
    for (const [name, t] of original.tensors) {
      const f = folded.tensors.get(name)
      const scale = name === 'classifier.out_proj.weight' || name === 'classifier.out_proj.bias' ? 4 : 1
      if (!(f?.data instanceof Float32Array) || !(t.data instanceof Float32Array)) throw new Error(`${name} is not float`)
      expect(Array.from(f.data)).toEqual(Array.from(t.data, (v) => v / scale))
    }
    const reloaded = await loadHfCheckpoint(out)
    const after = tf.tidy(() => forward(reloaded, batch, false)).arraySync()
    after.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo((before[i]?.[j] ?? NaN) / 4, 5)))
    disposeModel(model)
    disposeModel(reloaded)
  })
})

describe('fitTemperature', () => {
  it('recovers the temperature that made over-confident logits from calibrated ones', () => {
    // Calibrated logits: margin z with P(spam) = sigmoid(z), labels drawn from it; then made 3x over-confident.
    const r = mulberry32(11)
    const labels: number[] = []
    const logits: number[][] = []
    for (let i = 0; i < 20000; i++) {
      const z = (r() - 0.5) * 8
      labels.push(r() < 1 / (1 + Math.exp(-z)) ? 1 : 0)
      logits.push([0, 3 * z])
    }
    const t = fitTemperature(logits, labels)
    expect(t).toBeGreaterThan(2.8)
    expect(t).toBeLessThan(3.2)
    expect(nllAt(logits, labels, t)).toBeLessThan(nllAt(logits, labels, 1))
    expect(expectedCalibrationError(logits, labels, t)).toBeLessThan(expectedCalibrationError(logits, labels, 1))
  })
})

describe('expectedCalibrationError', () => {
  it('is |accuracy - confidence| weighted by bin size', () => {
    // two examples at confidence sigmoid(2) = 0.881 (bin 13 of 15), one right, one wrong: |0.5 - 0.881|
    expect(
      expectedCalibrationError(
        [
          [0, 2],
          [0, 2],
        ],
        [1, 0],
      ),
    ).toBeCloseTo(spamProbability([0, 2]) - 0.5, 6)
    // a confident, correct prediction is near-perfectly calibrated
    expect(expectedCalibrationError([[0, 20]], [1])).toBeLessThan(1e-6)
  })
})
