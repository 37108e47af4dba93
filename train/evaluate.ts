import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ClassifierSession } from '../src/core/inference/session.ts'
import { convertCheckpoint } from '../scripts/convert/index.ts'
import { openNodeSession } from '../scripts/ort/node.ts'
import { openWebSession } from '../scripts/ort/web.ts'
import { quantizeModel } from '../scripts/quantize/index.ts'
import { readSafetensors } from '../scripts/convert/safetensors.ts'
import { type Encoded, makeBatch } from './batches.ts'
import { mulberry32 } from '../scripts/checkpoint/random.ts'
import { createModel, disposeModel, type Model } from './model.ts'
import { metricsOf, type Metrics, predict, saveHfCheckpoint } from './trainer.ts'
import type { HfConfig } from '../scripts/convert/config.ts'
import { storedShape } from './model.ts'
import * as tf from '@tensorflow/tfjs'
import { type KindErrors, TEXT_KINDS, type TextKind } from './text-kind.ts'

/**
 * Held-out evaluation of a trained checkpoint through the same pipeline a
 * user's model takes: HF folder -> fp32 ONNX (scripts/convert) -> int8
 * (scripts/quantize) -> onnxruntime-node, plus the trained tfjs model itself,
 * so the export is checked against the model that was trained.
 */

/** Loads an HF checkpoint folder written by saveHfCheckpoint back into a tfjs model. */
export async function loadHfCheckpoint(dir: string): Promise<Model> {
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as HfConfig
  const { tensors } = readSafetensors(await readFile(join(dir, 'model.safetensors')), join(dir, 'model.safetensors'))
  const model = createModel(config, mulberry32(0))
  for (const spec of model.specs) {
    const t = tensors.get(spec.name)
    if (t === undefined || !(t.data instanceof Float32Array)) throw new Error(`${dir}: missing or non-float tensor ${spec.name}`)
    const value = tf.tensor(t.data, spec.shape)
    const stored = spec.kind === 'linear' ? tf.transpose(value) : value
    if (stored.shape.join() !== storedShape(spec).join()) throw new Error(`${dir}: ${spec.name} has shape ${t.shape.join('x')}`)
    model.params.get(spec.name)?.assign(stored)
    value.dispose()
    stored.dispose()
  }
  return model
}

/** Logits of an ONNX session over encoded examples, in padded batches. */
export async function sessionLogits(
  session: ClassifierSession,
  items: readonly Encoded[],
  padId: number,
  batchSize = 16,
): Promise<number[][]> {
  const out: number[][] = []
  for (let i = 0; i < items.length; i += batchSize) {
    const batch = makeBatch(items.slice(i, i + batchSize), padId)
    const feed = (a: Int32Array) => ({ data: BigInt64Array.from(a, (v) => BigInt(v)), dims: [batch.batch, batch.seq] as [number, number] })
    const feeds = { input_ids: feed(batch.ids), attention_mask: feed(batch.mask), token_type_ids: feed(new Int32Array(batch.ids.length)) }
    const { data, dims } = await session.run(feeds)
    for (let b = 0; b < dims[0]; b++) out.push(Array.from(data.subarray(b * dims[1], (b + 1) * dims[1])))
  }
  return out
}

/** What `evaluate` reports (written to models/<id>/eval.json). */
export interface EvalReport {
  test_examples: number
  max_length: number
  /** trained tfjs model (F32 best checkpoint) */
  tfjs_fp32: Metrics
  /** fp32 ONNX converted from the committed F16 checkpoint */
  onnx_fp32: Metrics
  /** int8 ONNX quantized from that fp32 graph, run under onnxruntime-web */
  onnx_int8: Metrics
  /** max |logit| difference: tfjs model vs fp32 ONNX of the same F32 weights */
  export_max_abs_diff: number
  /** predictions that differ between fp32 and int8 ONNX */
  int8_flips: number
  int8_bytes: number
  /** the int8 model's errors by the kind of text (train/text-kind.ts); absent in older reports */
  errors_by_kind?: Record<TextKind, KindErrors>
}

const maxAbsDiff = (a: number[][], b: number[][]): number =>
  a.reduce((m, row, i) => Math.max(m, ...row.map((v, j) => Math.abs(v - (b[i]?.[j] ?? NaN)))), 0)

/** The errors in `logits` against `labels` by the kind of each example's text, counted by {@link metricsOf}. */
export function errorsByKind(
  kinds: readonly TextKind[],
  labels: readonly number[],
  logits: readonly number[][],
): Record<TextKind, KindErrors> {
  const of = (kind: TextKind): KindErrors => {
    const at = kinds.flatMap((k, i) => (k === kind ? [i] : []))
    const { n, fp, fn } = metricsOf(
      at.map((i) => labels[i] ?? 0),
      at.map((i) => logits[i] ?? []),
    )
    return { n, fp, fn }
  }
  return Object.fromEntries(TEXT_KINDS.map((kind) => [kind, of(kind)])) as Record<TextKind, KindErrors>
}

const argmaxRows = (rows: number[][]): number[] => rows.map((r) => ((r[1] ?? 0) > (r[0] ?? 0) ? 1 : 0))

/** Evaluates `bestDir` (F32, trained) and `modelDir` (the committed F16 export) on the test split; `kinds` are its texts' kinds. */
export async function evaluateCheckpoint(
  bestDir: string,
  modelDir: string,
  test: readonly Encoded[],
  kinds: readonly TextKind[],
  padId: number,
  maxLength: number,
  log: (s: string) => void,
): Promise<EvalReport> {
  const labels = test.map((e) => e.label)
  const model = await loadHfCheckpoint(bestDir)
  const tfjsLogits = await predict(model, test, padId)
  disposeModel(model)
  log('tfjs model evaluated')

  const parity = await openNodeSession((await convertCheckpoint(bestDir)).onnx)
  const parityLogits = await sessionLogits(parity, test, padId)
  await parity.release()

  const fp32 = (await convertCheckpoint(modelDir)).onnx
  const int8 = quantizeModel(fp32).model
  const fp32Session = await openNodeSession(fp32)
  const fp32Logits = await sessionLogits(fp32Session, test, padId)
  await fp32Session.release()
  // int8 under onnxruntime-web, the engine that serves it (native int8 kernels round differently).
  const int8Session = await openWebSession(int8)
  const int8Logits = await sessionLogits(int8Session, test, padId)
  await int8Session.release()
  log('ONNX fp32 and int8 evaluated')
  const a = argmaxRows(fp32Logits)
  const b = argmaxRows(int8Logits)
  return {
    test_examples: test.length,
    max_length: maxLength,
    tfjs_fp32: metricsOf(labels, tfjsLogits),
    onnx_fp32: metricsOf(labels, fp32Logits),
    onnx_int8: metricsOf(labels, int8Logits),
    export_max_abs_diff: maxAbsDiff(tfjsLogits, parityLogits),
    int8_flips: a.filter((v, i) => v !== b[i]).length,
    int8_bytes: int8.byteLength,
    errors_by_kind: errorsByKind(kinds, labels, int8Logits),
  }
}

/**
 * Writes the best checkpoint as the committed F16 folder models/<id>/
 * (config.json + model.safetensors). `positions` keeps only the first rows of
 * the position table (and sets max_position_embeddings), for a model trained
 * only on sequences that short, so the Worker truncates where training did.
 */
export async function exportModel(bestDir: string, modelDir: string, metadata: Record<string, string>, positions?: number): Promise<void> {
  const model = await loadHfCheckpoint(bestDir)
  const prefix = model.config.model_type === 'albert' ? 'albert' : 'electra'
  const table = model.params.get(`${prefix}.embeddings.position_embeddings.weight`)
  if (positions !== undefined && table !== undefined && positions < model.config.max_position_embeddings) {
    const sliced = tf.slice(table, [0, 0], [positions, table.shape[1] ?? 0])
    model.params.set(`${prefix}.embeddings.position_embeddings.weight`, tf.variable(sliced, false))
    sliced.dispose()
    table.dispose()
    model.config = { ...model.config, max_position_embeddings: positions }
    model.specs = model.specs.map((s) =>
      s.name.endsWith('position_embeddings.weight') ? { ...s, shape: [positions, s.shape[1] ?? 0] } : s,
    )
  }
  await saveHfCheckpoint(modelDir, model, 'F16', metadata)
  disposeModel(model)
}

/** Saves the evaluation next to the model and keeps the run's history beside it. */
export async function writeEvalReport(modelDir: string, report: EvalReport, stateFile: string): Promise<void> {
  await mkdir(modelDir, { recursive: true })
  await writeFile(join(modelDir, 'eval.json'), `${JSON.stringify(report, null, 2)}\n`)
  await copyFile(stateFile, join(modelDir, 'training-state.json'))
}
