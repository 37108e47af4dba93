import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Tokenizer } from '../src/core/tokenizers/index.ts'
import { convertCheckpoint } from '../scripts/convert/index.ts'
import { openNodeSession } from '../scripts/ort/node.ts'
import { openWebSession } from '../scripts/ort/web.ts'
import { quantizeModel } from '../scripts/quantize/index.ts'
import { readSafetensors, type WritableTensor, writeSafetensors } from '../scripts/convert/safetensors.ts'
import { atomicWrite, metricsOf, type Metrics } from './trainer.ts'
import { type Encoded, encodeExamples } from './batches.ts'
import { calibrationFigures, type CalibrationFigures, fitTemperature, finalLayerNames, spamProbability } from './calibrate.ts'
import type { Splits } from './data.ts'
import { labelIndex, type ModernMessage } from './modern-set.ts'
import { sessionLogits } from './evaluate.ts'
import { validationViews } from './view-batches.ts'

/**
 * The evaluation of a committed checkpoint folder: the corpus
 * validation split (whole bodies and short views), the test split and the
 * modern set, under fp32 (onnxruntime-node) and int8 (onnxruntime-web, the
 * serving engine); a temperature fitted on validation; and, with `fold`, that
 * temperature folded into the checkpoint and the folded model scored again.
 */

export const SET_NAMES = ['validation', 'validation_views', 'test', 'modern'] as const
export type SetName = (typeof SET_NAMES)[number]

/** One set under one engine. */
export interface SetFigures extends Metrics {
  /** the highest spam probability given to a ham example (softmax at the reported temperature) */
  max_ham_score: number
  /** ham examples scored spam at 0.9 or more */
  ham_at_0_9: number
  /** expected calibration error, 15 bins */
  ece: number
}

/** Figures of a set's logits at temperature `t`. */
export function setFigures(labels: readonly number[], logits: readonly number[][], t = 1): SetFigures {
  const scaled = logits.map((r) => r.map((v) => v / t))
  const hamScores = labels.flatMap((y, i) => (y === 0 ? [spamProbability(logits[i] ?? [], t)] : []))
  return {
    ...metricsOf(labels, scaled),
    max_ham_score: hamScores.reduce((m, s) => Math.max(m, s), 0),
    ham_at_0_9: hamScores.filter((s) => s >= 0.9).length,
    ece: calibrationFigures(logits, labels, t).ece_after,
  }
}

/** What `assess` writes (models/<id>/calibration.json). */
export interface AssessReport {
  model_dir: string
  max_length: number
  /** the temperature fitted on the fp32 logits of validation (whole bodies and views together) */
  temperature: number
  fitted_on: string
  /** figures of the checkpoint as it was (temperature 1) and with logits / T, per engine and set */
  before: Record<'fp32' | 'int8', Record<SetName, SetFigures>>
  scaled: Record<'fp32' | 'int8', Record<SetName, SetFigures>>
  /** NLL and ECE before/after T, fp32 */
  calibration: Record<SetName, CalibrationFigures>
  int8_flips: Record<SetName, number>
  /** with fold: the folded checkpoint scored again (test and modern), and how far its fp32 logits are from logits / T */
  folded?: { fp32: Record<'test' | 'modern', SetFigures>; int8: Record<'test' | 'modern', SetFigures>; max_abs_diff_fp32: number }
  /** every modern message's int8 spam score, before and after T (the folded model's when folded) */
  modern: Array<{ id: string; label: 'ham' | 'spam'; score_before: number; score_after: number }>
}

/** The encoded sets of {@link SET_NAMES}, at the checkpoint's length. */
export function encodeSets(
  tokenizer: Tokenizer,
  splits: Splits,
  modern: readonly ModernMessage[],
  maxLength: number,
): Record<SetName, Encoded[]> {
  return {
    validation: encodeExamples(tokenizer, splits.validation, maxLength),
    validation_views: validationViews(tokenizer, splits.validation, maxLength),
    test: encodeExamples(tokenizer, splits.test, maxLength),
    modern: encodeExamples(
      tokenizer,
      modern.map((m) => ({ source: m.id, text: m.text, label: labelIndex(m) })),
      maxLength,
    ),
  }
}

type Logits = Record<SetName, number[][]>

async function logitsOf(
  modelDir: string,
  sets: Partial<Record<SetName, Encoded[]>>,
  padId: number,
): Promise<{ fp32: Partial<Logits>; int8: Partial<Logits> }> {
  const fp32Bytes = (await convertCheckpoint(modelDir)).onnx
  const int8Bytes = quantizeModel(fp32Bytes).model
  const out: { fp32: Partial<Logits>; int8: Partial<Logits> } = { fp32: {}, int8: {} }
  // int8 under onnxruntime-web, the engine that serves it (native int8 kernels round differently).
  for (const [engine, session] of [
    ['fp32', await openNodeSession(fp32Bytes)],
    ['int8', await openWebSession(int8Bytes)],
  ] as const) {
    for (const name of SET_NAMES) {
      const items = sets[name]
      if (items !== undefined) out[engine][name] = await sessionLogits(session, items, padId)
    }
    await session.release()
  }
  return out
}

const need = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw new Error(`assess: missing ${what}`)
  return v
}

/**
 * Divides the last classifier layer of the checkpoint in `modelDir` by `t`,
 * rewriting model.safetensors in its own dtype (F16 or F32) with every other
 * tensor unchanged, and records the temperature in the file's metadata.
 */
export async function foldTemperatureFile(modelDir: string, t: number): Promise<void> {
  const file = join(modelDir, 'model.safetensors')
  const config = JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8')) as { model_type: string }
  const st = readSafetensors(await readFile(file), file)
  const names = finalLayerNames(config.model_type)
  const out: Record<string, WritableTensor> = {}
  for (const [name, tensor] of st.tensors) {
    if (tensor.dtype !== 'F32' && tensor.dtype !== 'F16')
      throw new Error(`${file}: ${name} is ${tensor.dtype}; only F32/F16 checkpoints are folded`)
    const data = name === names.weight || name === names.bias ? tensor.data.map((v) => v / t) : tensor.data
    out[name] = { dtype: tensor.dtype, shape: tensor.shape, data }
  }
  if (out[names.weight] === undefined || out[names.bias] === undefined)
    throw new Error(`${file}: no ${names.weight} / ${names.bias} to fold the temperature into`)
  const folded = Number(st.metadata.temperature_folded ?? '1') * t
  await atomicWrite(file, writeSafetensors(out, { ...st.metadata, temperature_folded: String(folded) }))
}

/** Scores `modelDir` on every set, fits T on validation, optionally folds it in and scores the folded model. */
export async function assess(
  modelDir: string,
  sets: Record<SetName, Encoded[]>,
  modern: readonly ModernMessage[],
  padId: number,
  maxLength: number,
  fold: boolean,
  log: (s: string) => void,
): Promise<AssessReport> {
  const raw = await logitsOf(modelDir, sets, padId)
  log('scored fp32 and int8')
  const labels = (name: SetName): number[] => sets[name].map((e) => e.label)
  const fp = (name: SetName): number[][] => need(raw.fp32[name], `fp32 ${name}`)
  const q = (name: SetName): number[][] => need(raw.int8[name], `int8 ${name}`)
  const fitLogits = [...fp('validation'), ...fp('validation_views')]
  const t = fitTemperature(fitLogits, [...labels('validation'), ...labels('validation_views')])
  const table = (temp: number) => ({
    fp32: Object.fromEntries(SET_NAMES.map((n) => [n, setFigures(labels(n), fp(n), temp)])) as Record<SetName, SetFigures>,
    int8: Object.fromEntries(SET_NAMES.map((n) => [n, setFigures(labels(n), q(n), temp)])) as Record<SetName, SetFigures>,
  })
  const argmax = (rows: number[][]): number[] => rows.map((r) => ((r[1] ?? 0) > (r[0] ?? 0) ? 1 : 0))
  const flips = (n: SetName): number => {
    const b = argmax(q(n))
    return argmax(fp(n)).filter((v, i) => v !== b[i]).length
  }
  const report: AssessReport = {
    model_dir: modelDir,
    max_length: maxLength,
    temperature: t,
    fitted_on: 'fp32 logits of the validation split: 573 whole bodies and their 573 fixed short views',
    before: table(1),
    scaled: table(t),
    calibration: Object.fromEntries(SET_NAMES.map((n) => [n, calibrationFigures(fp(n), labels(n), t)])) as Record<
      SetName,
      CalibrationFigures
    >,
    int8_flips: Object.fromEntries(SET_NAMES.map((n) => [n, flips(n)])) as Record<SetName, number>,
    modern: modern.map((m, i) => ({
      id: m.id,
      label: m.label,
      score_before: spamProbability(q('modern')[i] ?? []),
      score_after: spamProbability(q('modern')[i] ?? [], t),
    })),
  }
  if (fold) {
    await foldTemperatureFile(modelDir, t)
    const again = await logitsOf(modelDir, { test: sets.test, modern: sets.modern }, padId)
    log('scored the folded checkpoint')
    const f = (engine: 'fp32' | 'int8', n: 'test' | 'modern'): SetFigures =>
      setFigures(labels(n), need(again[engine][n], `folded ${engine} ${n}`))
    const diff = (['test', 'modern'] as const).reduce((m, n) => {
      const a = need(again.fp32[n], 'folded fp32')
      return a.reduce((mm, row, i) => Math.max(mm, ...row.map((v, j) => Math.abs(v - (fp(n)[i]?.[j] ?? NaN) / t))), m)
    }, 0)
    report.folded = {
      fp32: { test: f('fp32', 'test'), modern: f('fp32', 'modern') },
      int8: { test: f('int8', 'test'), modern: f('int8', 'modern') },
      max_abs_diff_fp32: diff,
    }
    const foldedModern = need(again.int8.modern, 'folded int8 modern')
    report.modern = report.modern.map((m, i) => ({ ...m, score_after: spamProbability(foldedModern[i] ?? []) }))
  }
  return report
}

/** Writes the report as JSON. */
export async function writeAssessReport(path: string, report: AssessReport): Promise<void> {
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`)
}
