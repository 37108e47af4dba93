/**
 * The length planner through a real onnxruntime-web session (the Worker's
 * build and session options) on a tiny seeded ELECTRA made by the project's
 * pipeline (fp32 and int8), with the real tokenizer and texts of mixed lengths.
 *
 * Under fp32 a padded row's logits do not depend on its run, so the planned
 * answers match the unsorted run to float rounding. The int8 graph quantizes
 * activations with one scale per tensor, over every row and padded position
 * of a run, so regrouping moves scores by int8 rounding; the unsorted run moves
 * them as much away from a request of their own.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateCheckpoint } from '../../../scripts/checkpoint/generate.ts'
import { convertCheckpoint } from '../../../scripts/convert/index.ts'
import { openWebSession } from '../../../scripts/ort/web.ts'
import { tokenizerFile } from '../../../scripts/paths.ts'
import { quantizeModel } from '../../../scripts/quantize/index.ts'
import { classifyEncodings, classifyRuns, type LabelScore } from '../../../src/core/inference/classifier.ts'
import { DEFAULT_BATCH_BUDGET, DEFAULT_RUN_COST, planRuns } from '../../../src/core/inference/plan.ts'
import type { ClassifierSession } from '../../../src/core/inference/session.ts'
import { compileTokenizer, loadTokenizer } from '../../../src/core/tokenizers/index.ts'
import type { Encoding } from '../../../src/core/tokenizers/types.ts'
import { type Tokenizer } from '../../../src/core/tokenizers/tokenizer.ts'

let dir = ''
let session: ClassifierSession
let fp32: ClassifierSession
let tokenizer: Tokenizer
const model = { pad_id: 0, id2label: { '0': 'ham', '1': 'spam' } }
const options = { activation: 'softmax' as const, top_k: null }

const WORDS = 'please send the signed contract and the invoice for last month before friday so we can close the books'.split(' ')
/** Texts from 3 to ~140 tokens, some of equal length, in no particular order. */
const TEXTS = [37, 2, 90, 5, 5, 61, 1, 14, 120, 8, 37, 3, 44, 9, 2, 75].map((words, i) =>
  Array.from({ length: words }, (_, w) => WORDS[(w * 7 + i) % WORDS.length]).join(' '),
)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plan-ort-'))
  await generateCheckpoint({ preset: 'electra-tiny', seed: 19, outDir: dir, id2label: model.id2label })
  const { onnx } = await convertCheckpoint(dir)
  fp32 = await openWebSession(onnx)
  session = await openWebSession(quantizeModel(onnx).model)
  tokenizer = loadTokenizer(compileTokenizer(await readFile(tokenizerFile('electra-small', 'tokenizer.json'), 'utf8')))
  model.pad_id = tokenizer.pad_id
})
afterAll(async () => {
  await session.release()
  await fp32.release()
  await rm(dir, { recursive: true, force: true })
})

const encode = (texts: readonly string[]): Encoding[] =>
  texts.map((text) => tokenizer.encode({ text }, { max_length: 256, truncation: true }))
const scoreOf = (row: readonly LabelScore[] | undefined, label: string): number => row?.find((x) => x.label === label)?.score ?? Number.NaN

/** Every input in a run of its own, as a request of its own would run it. */
const eachAlone = (encodings: readonly unknown[]) => encodings.map((_, i) => ({ rows: [i] }))

describe('classifyEncodings with the length planner, under onnxruntime-web', () => {
  it('answers in request order, each long input exactly as in a request of its own', async () => {
    const encodings = encode(TEXTS)
    const planned = await classifyEncodings(session, encodings, model, options, DEFAULT_BATCH_BUDGET)
    const alone = await classifyRuns(session, encodings, eachAlone(encodings), model, options)
    expect(planned).toHaveLength(TEXTS.length)
    for (const [i, e] of encodings.entries()) {
      if (e.ids.length > DEFAULT_RUN_COST.maxGroupedLength) expect(planned[i]).toEqual(alone[i])
      else expect(Math.abs(scoreOf(planned[i], 'spam') - scoreOf(alone[i], 'spam'))).toBeLessThan(1e-2)
    }
  })

  const unsortedRuns = (encodings: readonly Encoding[]) => {
    const lengths = encodings.map((e) => e.ids.length)
    return planRuns(lengths, DEFAULT_BATCH_BUDGET).map(([s, e]) => ({ rows: lengths.slice(s, e).map((_, k) => s + k) }))
  }
  const maxDiff = (a: readonly LabelScore[][], b: readonly LabelScore[][]): number =>
    Math.max(...a.map((row, i) => Math.abs(scoreOf(row, 'spam') - scoreOf(b[i], 'spam'))))

  it('fp32: scores within 1e-5 of the unsorted run, labels identical', async () => {
    const encodings = encode(TEXTS)
    const unsorted = await classifyRuns(fp32, encodings, unsortedRuns(encodings), model, options)
    const planned = await classifyEncodings(fp32, encodings, model, options, DEFAULT_BATCH_BUDGET)
    expect(planned.map((r) => r[0]?.label)).toEqual(unsorted.map((r) => r[0]?.label))
    expect(maxDiff(planned, unsorted)).toBeLessThan(1e-5)
  })

  it('int8: labels identical to the unsorted run, scores within the int8 rounding that separates it from single requests', async () => {
    const encodings = encode(TEXTS)
    const unsorted = await classifyRuns(session, encodings, unsortedRuns(encodings), model, options)
    const alone = await classifyRuns(session, encodings, eachAlone(encodings), model, options)
    const planned = await classifyEncodings(session, encodings, model, options, DEFAULT_BATCH_BUDGET)
    expect(planned.map((r) => r[0]?.label)).toEqual(unsorted.map((r) => r[0]?.label))
    expect(maxDiff(unsorted, alone)).toBeGreaterThan(0)
    expect(maxDiff(planned, unsorted)).toBeLessThan(1e-2)
    expect(maxDiff(planned, alone)).toBeLessThanOrEqual(maxDiff(unsorted, alone))
  })

  it('gives exactly the same answers for a permuted request', async () => {
    const encodings = encode(TEXTS)
    const a = await classifyEncodings(session, encodings, model, options, DEFAULT_BATCH_BUDGET)
    for (const seed of [1, 2, 3]) {
      const perm = encodings.map((_, i) => i).sort((x, y) => ((x * 7919 * seed) % 61) - ((y * 7919 * seed) % 61) || x - y)
      const b = await classifyEncodings(
        session,
        perm.map((i) => encodings[i] as Encoding),
        model,
        options,
        DEFAULT_BATCH_BUDGET,
      )
      expect(b).toEqual(perm.map((i) => a[i]))
    }
  })
})
