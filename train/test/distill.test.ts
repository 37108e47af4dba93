import * as tf from '@tensorflow/tfjs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../../scripts/checkpoint/random.ts'
import { type Encoded, makeBatch, sharedTokenizer, type Viewed } from '../batches.ts'
import { distillationError, distillLoss, resumeError, softTargets } from '../distill.ts'
import { createModel, disposeModel, forward } from '../model.ts'
import { initAdamW } from '../optimizer.ts'
import { trainPreset } from '../presets.ts'
import { openTeacher } from '../teacher.ts'
import { predict, saveHfCheckpoint, type TrainState, trainLoop } from '../trainer.ts'
import { trainingScratch } from './scratch.ts'

const scratch = trainingScratch('train-distill')

describe('softTargets', () => {
  it('is the softmax of the logits divided by the temperature', () => {
    const [a = [], b = []] = softTargets(
      [
        [0, Math.log(3)],
        [0, Math.log(3)],
      ],
      1,
    )
    expect(a[0]).toBeCloseTo(0.25, 12)
    expect(a[1]).toBeCloseTo(0.75, 12)
    expect(b).toEqual(a)
    const [soft = []] = softTargets([[0, Math.log(3)]], 2)
    expect(soft[1]).toBeCloseTo(Math.sqrt(3) / (1 + Math.sqrt(3)), 12)
    // large logits stay finite
    expect(softTargets([[1000, 0]], 1)[0]).toEqual([1, 0])
  })
})

describe('distillLoss', () => {
  const logits = (): tf.Tensor2D =>
    tf.tensor2d([
      [0.5, -0.25],
      [-1, 2],
    ])
  const ce = (row: number[], target: number[], t: number): number => {
    const z = row.map((v) => v / t)
    const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0))
    return -target.reduce((s, p, k) => s + p * ((z[k] ?? 0) - lse), 0)
  }
  const rows = [
    [0.5, -0.25],
    [-1, 2],
  ]
  const targets = [
    [0.2, 0.8],
    [0.6, 0.4],
  ]

  it('mixes the label and the soft targets as (1 − α)·CE + α·τ²·KL at τ', async () => {
    const labels = [0, 1]
    const hard = rows.map((r, i) => ce(r, labels[i] === 1 ? [0, 1] : [1, 0], 1))
    const soft = rows.map((r, i) => ce(r, targets[i] ?? [], 2))
    const mean = (xs: number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length
    const entropy = targets.map((t) => -t.reduce((h, p) => h + p * Math.log(p), 0))
    const loss = await distillLoss(logits(), labels, targets, { alpha: 0.3, temperature: 2 }).data()
    expect(loss[0]).toBeCloseTo(0.7 * mean(hard) + 0.3 * 4 * (mean(soft) - mean(entropy)), 5)
    const labelOnly = await distillLoss(logits(), labels, targets, { alpha: 1e-9, temperature: 2 }).data()
    expect(labelOnly[0]).toBeCloseTo(mean(hard), 5)
  })

  it('with agreeing, drops the soft term on rows whose label the teacher does not give', async () => {
    const kl = (i: number): number =>
      4 * (ce(rows[i] ?? [], targets[i] ?? [], 2) + (targets[i] ?? []).reduce((h, p) => h + p * Math.log(p), 0))
    const agreeing = { alpha: 0.3, temperature: 2, agreeing: true } as const
    // the teacher gives row 0 spam (0.8) and row 1 ham (0.6): as ham rows, row 0 disagrees; as spam rows, row 1
    const ham = rows.map((r) => ce(r, [1, 0], 1))
    const asHam = await distillLoss(logits(), [0, 0], targets, agreeing).data()
    expect(asHam[0]).toBeCloseTo(((ham[0] ?? 0) + 0.7 * (ham[1] ?? 0) + 0.3 * kl(1)) / 2, 5)
    const spam = rows.map((r) => ce(r, [0, 1], 1))
    const asSpam = await distillLoss(logits(), [1, 1], targets, agreeing).data()
    expect(asSpam[0]).toBeCloseTo((0.7 * (spam[0] ?? 0) + 0.3 * kl(0) + (spam[1] ?? 0)) / 2, 5)
    const every = await distillLoss(logits(), [0, 0], targets, { alpha: 0.3, temperature: 2 }).data()
    expect(Math.abs((every[0] ?? 0) - (asHam[0] ?? 0))).toBeGreaterThan(0.05)
    // a teacher at exactly 1/2 counts as giving the label: at α = 1 only its soft term is left
    const tie = await distillLoss(tf.tensor2d([[0, 0]]), [1], [[0.5, 0.5]], { ...agreeing, alpha: 1 }).data()
    expect(Math.abs(tie[0] ?? 1)).toBeLessThan(1e-6)
  })

  it('is 0, with no gradient, where the student already gives the targets, at α = 1', async () => {
    const own = softTargets(rows, 3)
    const x = tf.variable(logits())
    const { value, grads } = tf.variableGrads(() => distillLoss(x, [1, 0], own, { alpha: 1, temperature: 3 }), [x])
    expect(Math.abs((await value.data())[0] ?? 1)).toBeLessThan(1e-6)
    const g = await (grads[x.name] as tf.Tensor).data()
    for (const v of g) expect(Math.abs(v)).toBeLessThan(1e-6)
    x.dispose()
  })

  it('refuses to resume a run with another teacher or mix, or with none', () => {
    const saved = { teacher: 't', alpha: 0.5, temperature: 2 }
    expect(resumeError('run', saved, { ...saved })).toBeUndefined()
    expect(resumeError('run', undefined, undefined)).toBeUndefined()
    expect(resumeError('run', saved, { ...saved, temperature: 3 })).toMatch(
      /^run was trained with --teacher t --distill-alpha 0.5 --distill-temperature 2; resume it with the same options, or start afresh/,
    )
    expect(resumeError('run', saved, undefined)).toMatch(/with --teacher t/)
    expect(resumeError('run', { ...saved, agreeing: true }, saved)).toMatch(/--distill-temperature 2 --distill-agreeing; resume/)
    expect(resumeError('run', undefined, saved)).toMatch(/^run was trained without a teacher;/)
  })

  it('names the fix for a bad mix', () => {
    expect(distillationError({ alpha: 0.5, temperature: 2 })).toBeUndefined()
    expect(distillationError({ alpha: 0, temperature: 2 })).toMatch(/--distill-alpha 0: give a weight above 0/)
    expect(distillationError({ alpha: 1.5, temperature: 2 })).toMatch(/at most 1/)
    expect(distillationError({ alpha: 0.5, temperature: Number.NaN })).toMatch(/--distill-temperature NaN/)
  })
})

describe('openTeacher', () => {
  it("reads each row's text with its own tokenizer, through its ONNX export", async () => {
    // an ELECTRA teacher (WordPiece) for rows an ALBERT student (Unigram) encoded
    const preset = trainPreset('electra-tiny')
    const model = createModel(preset.config, mulberry32(3))
    const dir = join(scratch(), 'teacher')
    await saveHfCheckpoint(dir, model, 'F32')
    const texts = [
      'Lunch at noon tomorrow? The usual place.',
      'Your account is locked: verify your card at http://secure-login.example now',
    ]
    const student = sharedTokenizer(trainPreset('albert-tiny').tokenizer)
    const rows: Viewed[] = texts.map((text, i) => ({
      ...student.encode({ text }, { max_length: 64, truncation: true }),
      label: (i % 2) as 0 | 1,
      text,
    }))
    const teacher = await openTeacher(dir, 2)
    const got = await teacher.targets(rows)
    await teacher.release()
    const tokenizer = sharedTokenizer(preset.tokenizer)
    const want: number[][] = []
    for (const text of texts) {
      const ids = tokenizer.encode({ text }, { max_length: preset.config.max_position_embeddings, truncation: true }).ids
      want.push(...softTargets(await predict(model, [{ ids, label: 0 }], tokenizer.pad_id), 2))
    }
    expect(got).toHaveLength(2)
    got.forEach((row, i) => row.forEach((p, k) => expect(p).toBeCloseTo(want[i]?.[k] ?? -1, 4)))
    // and not the student's ids read as the teacher's
    expect(rows[0]?.ids).not.toEqual(tokenizer.encode({ text: texts[0] ?? '' }, { max_length: 64, truncation: true }).ids)
    disposeModel(model)
  })

  it('refuses a checkpoint with no shared tokenizer, naming the fix', async () => {
    const dir = join(scratch(), 'bert')
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', max_position_embeddings: 8 }))
    await expect(openTeacher(dir, 2)).rejects.toThrow(
      /model_type "bert" has no shared tokenizer here; give an electra or albert checkpoint/,
    )
  })
})

describe('trainLoop with a teacher', () => {
  // Ham uses ids 1000-1019, spam 2000-2019; the teacher calls every row 90% ham whatever its label.
  const random = mulberry32(9)
  const example = (label: 0 | 1): Encoded => ({
    ids: [101, ...Array.from({ length: 6 }, () => 1000 + label * 1000 + Math.floor(random() * 20)), 102],
    label,
  })
  const train = Array.from({ length: 32 }, (_, i) => example((i % 2) as 0 | 1))
  const spamRows = train.filter((e) => e.label === 1)
  const views = (indices: readonly number[]): Viewed[] => indices.map((i) => ({ ...(train[i] as Encoded), text: `row ${i}`, maxLength: 8 }))

  const spamScore = async (teacher: boolean): Promise<{ score: number; texts: string[] }> => {
    const preset = { ...trainPreset('albert-tiny'), batchSize: 8, microBatch: 4, epochs: 8, evalEvery: 32, peakLr: 5e-3, warmupSteps: 2 }
    const model = createModel(preset.config, mulberry32(1))
    const texts: string[] = []
    const state: TrainState = { step: 0, totalSteps: 32, seed: 1, elapsedSeconds: 0, best: null, history: [] }
    await trainLoop(
      {
        preset,
        model,
        opt: initAdamW(model.params),
        train,
        validation: train.slice(0, 8),
        views,
        padId: 0,
        dir: join(scratch(), teacher ? 'with' : 'without'),
        seed: 1,
        log: () => {},
        ...(teacher
          ? {
              distill: {
                alpha: 1,
                temperature: 1,
                targets: async (rows: readonly Viewed[]) => {
                  texts.push(...rows.map((r) => r.text))
                  return rows.map(() => [0.9, 0.1])
                },
              },
            }
          : {}),
      },
      state,
    )
    const logits = tf.tidy(() => tf.softmax(forward(model, makeBatch(spamRows, 0), false)))
    const p = (await logits.array()) as number[][]
    logits.dispose()
    disposeModel(model)
    return { score: p.reduce((s, r) => s + (r[1] ?? 0), 0) / p.length, texts }
  }

  it('learns the soft targets in place of the labels, and gives the teacher every row of every batch', async () => {
    const labelled = await spamScore(false)
    const distilled = await spamScore(true)
    expect(labelled.score).toBeGreaterThan(0.8)
    // the teacher's 10% spam, not the labels' 100%
    expect(distilled.score).toBeLessThan(0.2)
    expect(distilled.texts).toHaveLength(32 * 8)
    expect(new Set(distilled.texts).size).toBe(32)
  })

  it('refuses a teacher without views, whose rows have no text', async () => {
    const preset = { ...trainPreset('albert-tiny'), batchSize: 8 }
    const model = createModel(preset.config, mulberry32(1))
    const state: TrainState = { step: 0, totalSteps: 2, seed: 1, elapsedSeconds: 0, best: null, history: [] }
    const run = trainLoop(
      {
        preset,
        model,
        opt: initAdamW(model.params),
        train,
        validation: train.slice(0, 8),
        padId: 0,
        dir: join(scratch(), 'no-views'),
        seed: 1,
        log: () => {},
        distill: { alpha: 0.5, temperature: 2, targets: async (rows) => rows.map(() => [0.5, 0.5]) },
      },
      state,
    )
    await expect(run).rejects.toThrow(/distillation needs views/)
    disposeModel(model)
  })
})
