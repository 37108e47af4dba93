/**
 * Mixed-length batches from the corpus (bench/corpus.ts) under
 * onnxruntime-web in Node (the Worker's build and session options), through
 * the Worker's own classifier code on pre-tokenized inputs:
 *
 * - `planned`: `classifyEncodings` with DEFAULT_BATCH_BUDGET (the length
 *   planner, src/core/inference/plan.ts), as the Worker runs a request;
 * - `singles`: every input alone, one after another: no padding at all, the
 *   limit the planner is held to;
 * - `unsorted`: the plan before the length planner (`planRuns`: request
 *   order, each run padded to its longest member).
 *
 * The three are interleaved sample by sample, in an order that rotates from
 * round to round, so load from other processes hits them alike. Also checks the planned answers against the unsorted and
 * the single runs: same top label, largest score difference.
 */
import { readFile } from 'node:fs/promises'
import { openWebSession } from '../../scripts/ort/web.ts'
import { classifyEncodings, classifyRuns, type LabelScore } from '../../src/core/inference/classifier.ts'
import { DEFAULT_BATCH_BUDGET, planByLength, planRuns } from '../../src/core/inference/plan.ts'
import { loadTokenizer } from '../../src/core/tokenizers/index.ts'
import type { Encoding } from '../../src/core/tokenizers/types.ts'
import { CORPUS_MAX_LENGTH, type CorpusBatch, type Distribution } from '../corpus.ts'
import type { BenchModel } from '../models.ts'
import { type LoopOptions, warmUntilSettled } from '../stats.ts'

/** The models measured on corpus batches: the two served families at the sizes `npm start` serves. */
export const BATCH_MODELS: readonly string[] = ['electra-small', 'albert-spam']

export type BatchMethod =
  /** client-timed POST /v1/models/{id}/classify through wrangler dev (workerd) */
  | 'http'
  /** length-planned session.runs in Node */
  | 'planned'
  /** every input alone in Node: the no-padding limit */
  | 'singles'
  /** request-order padded runs in Node (the plan before the length planner) */
  | 'unsorted'
  /** Transformers.js pipeline, one call on the whole batch (its own padding), its q8 graph */
  | 'transformers-js'
  /** the same on our int8 graph */
  | 'transformers-js-int8'

export interface BatchCell {
  model: string
  distribution: Distribution
  size: number
  method: BatchMethod
  samples_ms: number[]
}

/** Token counts of one batch and its plans, and whether the plans give the same answers. */
export interface BatchCheck {
  model: string
  distribution: Distribution
  size: number
  /** real tokens (special tokens included) */
  tokens: number
  /** padded tokens of the unsorted plan and of the length plan */
  padded_unsorted: number
  padded_planned: number
  runs_unsorted: number
  runs_planned: number
  /** planned vs unsorted: same top label for every input, largest |score difference| */
  same_labels_as_unsorted: boolean
  max_diff_vs_unsorted: number
  /** planned vs every input alone */
  same_labels_as_singles: boolean
  max_diff_vs_singles: number
  /** planned (Node) vs the Worker's HTTP answer, when measured */
  same_labels_as_http?: boolean
  max_diff_vs_http?: number
}

/** The texts of one batch tokenized as the Worker does with `max_length` CORPUS_MAX_LENGTH. */
export function encodeBatch(model: BenchModel, batch: CorpusBatch): Encoding[] {
  const tokenizer = loadTokenizer(model.tokenizerBytes)
  return batch.texts.map((text) => tokenizer.encode({ text }, { max_length: CORPUS_MAX_LENGTH, truncation: true }))
}

/** Same top label per input, and the largest |score difference| over every label. */
export function compareAnswers(a: readonly LabelScore[][], b: readonly LabelScore[][]): { same: boolean; maxDiff: number } {
  let maxDiff = 0
  let same = a.length === b.length
  for (const [i, row] of a.entries()) {
    const other = new Map((b[i] ?? []).map((x) => [x.label, x.score]))
    if (row[0]?.label !== b[i]?.[0]?.label) same = false
    for (const x of row) maxDiff = Math.max(maxDiff, Math.abs(x.score - (other.get(x.label) ?? Number.POSITIVE_INFINITY)))
  }
  return { same, maxDiff }
}

export interface NodeBatchResult {
  cells: BatchCell[]
  checks: BatchCheck[]
  /** the planned answers, by `${model}|${distribution}|${size}`, for the HTTP comparison */
  answers: Map<string, LabelScore[][]>
}

export const batchKey = (model: string, distribution: Distribution, size: number): string => `${model}|${distribution}|${size}`

/** Times planned, single and unsorted runs of each corpus batch, interleaved, and checks their answers. */
export async function runBatchesNode(
  models: readonly BenchModel[],
  batches: readonly CorpusBatch[],
  loop: LoopOptions,
  warmMs: number,
  say: (m: string) => void,
): Promise<NodeBatchResult> {
  const result: NodeBatchResult = { cells: [], checks: [], answers: new Map() }
  for (const model of models.filter((m) => BATCH_MODELS.includes(m.id))) {
    const config = JSON.parse(await readFile(model.files.config, 'utf8')) as { id2label: Record<string, string> }
    const tokenizer = loadTokenizer(model.tokenizerBytes)
    const info = { pad_id: tokenizer.pad_id, id2label: config.id2label }
    const options = { activation: 'softmax' as const, top_k: null }
    const session = await openWebSession(new Uint8Array(await readFile(model.files.int8)))
    try {
      const first = encodeBatch(model, batches[0] ?? { distribution: 'bodies', texts: ['warm up'] }).slice(0, 1)
      await warmUntilSettled(() => classifyEncodings(session, first, info, options, DEFAULT_BATCH_BUDGET).then(() => undefined), warmMs)
      for (const batch of batches) {
        const encodings = encodeBatch(model, batch)
        const lengths = encodings.map((e) => e.ids.length)
        const unsortedRuns = planRuns(lengths, DEFAULT_BATCH_BUDGET).map(([s, e]) => ({
          rows: lengths.slice(s, e).map((_, k) => s + k),
          length: Math.max(...lengths.slice(s, e)),
        }))
        const plannedRuns = planByLength(lengths, DEFAULT_BATCH_BUDGET)
        const methods = {
          planned: () => classifyEncodings(session, encodings, info, options, DEFAULT_BATCH_BUDGET),
          singles: () =>
            classifyRuns(
              session,
              encodings,
              lengths.map((_, i) => ({ rows: [i] })),
              info,
              options,
            ),
          unsorted: () => classifyRuns(session, encodings, unsortedRuns, info, options),
        }
        const samples: Record<keyof typeof methods, number[]> = { planned: [], singles: [], unsorted: [] }
        const answers: Partial<Record<keyof typeof methods, LabelScore[][]>> = {}
        for (let w = 0; w < loop.warmup; w++) for (const run of Object.values(methods)) await run()
        let spent = 0
        const order = Object.entries(methods) as Array<[keyof typeof methods, () => Promise<LabelScore[][]>]>
        for (let round = 0; samples.planned.length < loop.runs && (samples.planned.length < loop.minRuns || spent < loop.maxMs); round++) {
          // Each round starts with the next method, so no method always follows another's allocations.
          for (const [name, run] of [...order.slice(round % order.length), ...order.slice(0, round % order.length)]) {
            const t0 = performance.now()
            answers[name] = await run()
            const ms = performance.now() - t0
            samples[name].push(ms)
            if (name === 'planned') spent += ms
          }
        }
        const cell = { model: model.id, distribution: batch.distribution, size: batch.texts.length }
        for (const [method, s] of Object.entries(samples)) result.cells.push({ ...cell, method: method as BatchMethod, samples_ms: s })
        const planned = answers.planned ?? []
        const vsUnsorted = compareAnswers(planned, answers.unsorted ?? [])
        const vsSingles = compareAnswers(planned, answers.singles ?? [])
        const padded = (runs: ReadonlyArray<{ rows: number[]; length: number }>): number =>
          runs.reduce((n, r) => n + r.rows.length * r.length, 0)
        result.checks.push({
          ...cell,
          tokens: lengths.reduce((a, b) => a + b, 0),
          padded_unsorted: padded(unsortedRuns),
          padded_planned: padded(plannedRuns),
          runs_unsorted: unsortedRuns.length,
          runs_planned: plannedRuns.length,
          same_labels_as_unsorted: vsUnsorted.same,
          max_diff_vs_unsorted: vsUnsorted.maxDiff,
          same_labels_as_singles: vsSingles.same,
          max_diff_vs_singles: vsSingles.maxDiff,
        })
        result.answers.set(batchKey(model.id, batch.distribution, batch.texts.length), planned)
        const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? Number.NaN
        say(
          `${model.id} ${batch.distribution} x${batch.texts.length}: planned ${median(samples.planned).toFixed(0)} ms, singles ${median(samples.singles).toFixed(0)}, unsorted ${median(samples.unsorted).toFixed(0)}; ` +
            `max |Δscore| vs unsorted ${vsUnsorted.maxDiff.toExponential(1)}, vs singles ${vsSingles.maxDiff.toExponential(1)}`,
        )
      }
    } finally {
      await session.release()
    }
  }
  return result
}
