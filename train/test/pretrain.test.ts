import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parameterSpecs } from '../../scripts/checkpoint/generate.ts'
import { readSafetensors } from '../../scripts/convert/safetensors.ts'
import { mulberry32 } from '../../scripts/checkpoint/random.ts'
import { initFrom } from '../init.ts'
import { createModel, disposeModel } from '../model.ts'
import { initAdamW } from '../optimizer.ts'
import type { SpecialTokens } from '../pretrain-data.ts'
import { createPretrainModel, sampleRows } from '../pretrain-model.ts'
import { evaluatePretrain, pretrainedDir, pretrainLoop, type PretrainState, type PretrainTask, savePretrained } from '../pretrain.ts'
import { trainPreset } from '../presets.ts'
import { loadCheckpoint, saveHfCheckpoint } from '../trainer.ts'
import { trainingScratch } from './scratch.ts'

const scratch = trainingScratch('pretrain')

const albertTokens: SpecialTokens = { cls: 2, sep: 3, mask: 4, pad: 0, special: new Set([0, 1, 2, 3, 4]), vocabSize: 2000 }
const electraTokens: SpecialTokens = { cls: 101, sep: 102, mask: 103, pad: 0, special: new Set([0, 100, 101, 102, 103]), vocabSize: 2000 }

// A learnable "language": counting runs (each token is its left neighbour + 1) from a random start,
// so a masked token follows from its neighbours and the order of two halves is visible.
const random = mulberry32(21)
const counting = (n: number): number[][] =>
  Array.from({ length: n }, () => {
    const start = 1000 + Math.floor(random() * 40)
    return Array.from({ length: 12 + Math.floor(random() * 8) }, (_, k) => start + k)
  })
const trainWindows = counting(256)
const heldOut = counting(32)

// A 2000-token vocabulary keeps the tied decoder small; the ids above fit in it.
const tiny = (model: 'albert-tiny' | 'electra-tiny') => ({
  ...trainPreset(model).config,
  hidden_dropout_prob: 0,
  max_position_embeddings: 32,
  vocab_size: 2000,
})

describe.each([
  ['albert-tiny', 'mlm-sop', albertTokens, 'mlm_loss'],
  ['electra-tiny', 'rtd', electraTokens, 'gen_loss'],
] as const)('%s %s pre-training', (preset, task: PretrainTask, tokens, lossName) => {
  it('lowers the held-out loss within a few dozen steps and resumes from its checkpoint', async () => {
    const config = tiny(preset)
    const model = createPretrainModel(config, task, mulberry32(1))
    const opt = initAdamW(model.params)
    const before = await evaluatePretrain(task, model, heldOut, tokens, 16)
    const out = join(scratch(), task)
    const state: PretrainState = { task, step: 0, totalSteps: 32, seed: 1, elapsedSeconds: 0, history: [] }
    const done = await pretrainLoop(
      {
        task,
        model,
        opt,
        windows: trainWindows,
        heldOut,
        tokens,
        batchSize: 16,
        microBatch: 8,
        peakLr: 1e-2,
        warmupSteps: 4,
        evalEvery: 16,
        dir: out,
        seed: 1,
        log: () => {},
      },
      state,
    )
    expect(done.history.map((h) => h.step)).toEqual([16, 32])
    const after = done.history[1]?.eval ?? {}
    expect(after[lossName] ?? NaN).toBeLessThan((before[lossName] ?? NaN) - 2)
    if (task === 'mlm-sop') expect(after.mlm_acc ?? 0).toBeGreaterThan(before.mlm_acc ?? 1)
    else {
      // the discriminator sees ~15% replaced tokens; it must at least learn the base rate, and its loss fall
      expect(after.disc_loss ?? NaN).toBeLessThan(before.disc_loss ?? NaN)
      expect(after.replaced ?? 0).toBeGreaterThan(0)
    }

    const copy = createPretrainModel(config, task, mulberry32(99))
    const copyOpt = initAdamW(copy.params)
    const resumed = await loadCheckpoint<PretrainState>(out, copy, copyOpt)
    expect(resumed?.step).toBe(32)
    for (const [name, v] of model.params) expect(Array.from(copy.params.get(name)?.dataSync() ?? [])).toEqual(Array.from(v.dataSync()))
    disposeModel(copy)
    disposeModel(model)
  })

  it('hands its encoder to a classifier (--init): heads dropped, classifier fresh, nothing of the heads exported', async () => {
    const config = tiny(preset)
    const pre = createPretrainModel(config, task, mulberry32(5))
    const folder = pretrainedDir(join(scratch(), `init-${task}`))
    await savePretrained(folder, pre, task, 7)
    const classifier = createModel(config, mulberry32(6))
    const fresh = new Map([...classifier.params].filter(([n]) => n.startsWith('classifier')).map(([n, v]) => [n, Array.from(v.dataSync())]))
    const report = await initFrom(classifier, folder)
    expect(report.fresh.sort()).toEqual([...fresh.keys()].sort())
    const heads = [...pre.params.keys()].filter((n) => !classifier.params.has(n))
    expect(heads.length).toBeGreaterThan(3)
    expect(report.dropped.sort()).toEqual(heads.sort())
    for (const name of report.loaded)
      expect(Array.from(classifier.params.get(name)?.dataSync() ?? [])).toEqual(Array.from(pre.params.get(name)?.dataSync() ?? []))
    for (const [name, values] of fresh) expect(Array.from(classifier.params.get(name)?.dataSync() ?? [])).toEqual(values)

    const exported = join(scratch(), `classifier-${task}`)
    await saveHfCheckpoint(exported, classifier, 'F32')
    const names = [...readSafetensors(await readFile(join(exported, 'model.safetensors'))).tensors.keys()].sort()
    expect(names).toEqual(
      parameterSpecs(config)
        .map((s) => s.name)
        .sort(),
    )
    expect(names.filter((n) => /predictions|sop_classifier|generator/.test(n))).toEqual([])
    disposeModel(pre)
    disposeModel(classifier)
  })
})

describe('sampleRows', () => {
  it('samples each row from its softmax', () => {
    const logits = new Float32Array([0, Math.log(3), -1e9, 5, -1e9, -1e9])
    const uniform = mulberry32(2)
    let ones = 0
    for (let i = 0; i < 4000; i++) {
      const s = sampleRows(logits, 2, 3, uniform)
      expect(s[1]).toBe(0)
      ones += s[0] === 1 ? 1 : 0
    }
    expect(ones / 4000).toBeGreaterThan(0.72)
    expect(ones / 4000).toBeLessThan(0.78)
  })
})
