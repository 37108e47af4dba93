/**
 * Which grouping rule should the length planner use? Runs the corpus batches
 * (bench/corpus.ts) under onnxruntime-web in Node (the Worker's build and
 * session options) with several plans, interleaved round-robin so that load
 * from other processes hits every plan alike:
 *
 * - `in-order`: the old plan (`planRuns`: request order, padded runs);
 * - `singles`: every input alone (the no-padding limit);
 * - `G=…,perRun=…`: `planByLength` with inputs longer than G tokens run alone
 *   (G=inf: none), and a run's fixed cost set to perRun tokens.
 *
 * Prints JSON: per model, batch and plan, the minimum and median ms over the
 * rounds, runs, padded tokens over real tokens, and the largest score
 * difference to the in-order plan.
 *
 *   node bench/plan-rules.ts [--rounds 3] [--models …] [--sizes 16,64] [--rules 64:8,32:8,inf:8,64:2,64:32] [--out file.json]
 */
import { writeFile } from 'node:fs/promises'
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { openWebSession } from '../scripts/ort/web.ts'
import { classifyRuns, type LabelScore } from '../src/core/inference/classifier.ts'
import { DEFAULT_BATCH_BUDGET, DEFAULT_RUN_COST, planByLength, planRuns, type PlannedRun } from '../src/core/inference/plan.ts'
import { loadTokenizer } from '../src/core/tokenizers/index.ts'
import { CORPUS_MAX_LENGTH, corpusBatches } from './corpus.ts'
import { prepareModels } from './models.ts'
import { percentile, warmUntilSettled } from './stats.ts'

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    models: { type: 'string', default: 'electra-small,albert-base-v2,albert-spam' },
    sizes: { type: 'string', default: '16,64' },
    rules: { type: 'string', default: '64:8,32:8,inf:8,64:2,64:32' },
    out: { type: 'string' },
  },
})
const say = (m: string): void => void process.stderr.write(`${m}\n`)
const rounds = Number(args.rounds)
const wanted = new Set((args.models ?? '').split(','))
const sizes = (args.sizes ?? '').split(',').map(Number)
const rules = (args.rules ?? '').split(',').map((r) => {
  const [g = 'inf', p = '4'] = r.split(':')
  return {
    name: `G=${g},perRun=${p}`,
    cost: { ...DEFAULT_RUN_COST, maxGroupedLength: g === 'inf' ? Number.POSITIVE_INFINITY : Number(g), perRun: Number(p) },
  }
})
const budget = DEFAULT_BATCH_BUDGET

/** The largest |score difference| between two answers for the same labels. */
export function maxScoreDiff(a: readonly LabelScore[][], b: readonly LabelScore[][]): { diff: number; sameLabels: boolean } {
  let diff = 0
  let sameLabels = true
  for (const [i, row] of a.entries()) {
    const other = new Map((b[i] ?? []).map((x) => [x.label, x.score]))
    if ((b[i]?.[0]?.label ?? '') !== (row[0]?.label ?? '')) sameLabels = false
    for (const x of row) diff = Math.max(diff, Math.abs(x.score - (other.get(x.label) ?? Number.NaN)))
  }
  return { diff, sameLabels }
}

const batches = corpusBatches(sizes)
const results = []
for (const model of (await prepareModels(say)).filter((m) => wanted.has(m.id))) {
  const tokenizer = loadTokenizer(model.tokenizerBytes)
  const config = JSON.parse(await readFile(model.files.config, 'utf8')) as { id2label: Record<string, string> }
  const session = await openWebSession(new Uint8Array(await readFile(model.files.int8)))
  const info = { pad_id: tokenizer.pad_id, id2label: config.id2label }
  const options = { activation: 'softmax' as const, top_k: null }
  const warm = tokenizer.encode({ text: batches[0]?.texts[0] ?? '' }, { max_length: 64, truncation: true })
  await warmUntilSettled(() => classifyRuns(session, [warm], [{ rows: [0] }], info, options).then(() => undefined), 3000)
  for (const batch of batches.filter((b) => model.id !== 'albert-base-v2' || b.texts.length <= 16)) {
    const encodings = batch.texts.map((text) => tokenizer.encode({ text }, { max_length: CORPUS_MAX_LENGTH, truncation: true }))
    const lengths = encodings.map((e) => e.ids.length)
    const plans: Record<string, PlannedRun[]> = {
      'in-order': planRuns(lengths, budget).map(([s, e]) => ({ rows: range(s, e), length: Math.max(...lengths.slice(s, e)) })),
      singles: lengths.map((length, i) => ({ rows: [i], length })),
      ...Object.fromEntries(rules.map((r) => [r.name, planByLength(lengths, budget, r.cost)])),
    }
    const ms: Record<string, number[]> = Object.fromEntries(Object.keys(plans).map((k) => [k, []]))
    const answers: Record<string, LabelScore[][]> = {}
    for (let r = 0; r < rounds; r++) {
      for (const [name, plan] of Object.entries(plans)) {
        const t0 = performance.now()
        answers[name] = await classifyRuns(session, encodings, plan, info, options)
        ms[name]?.push(performance.now() - t0)
      }
    }
    const real = lengths.reduce((a, b) => a + b, 0)
    const reference = answers['in-order'] ?? []
    const rows = Object.entries(plans).map(([name, plan]) => ({
      plan: name,
      runs: plan.length,
      padded_over_real: plan.reduce((a, p) => a + p.rows.length * p.length, 0) / real,
      min_ms: Math.min(...(ms[name] ?? [])),
      p50_ms: percentile(ms[name] ?? [], 50),
      ...maxScoreDiff(answers[name] ?? [], reference),
    }))
    const singles = rows.find((x) => x.plan === 'singles')?.min_ms ?? Number.NaN
    for (const row of rows)
      say(
        `${model.id} ${batch.distribution} x${batch.texts.length}: ${row.plan} ${row.min_ms.toFixed(0)} ms (${(row.min_ms / singles).toFixed(3)}x singles), ${row.runs} runs, padding ${row.padded_over_real.toFixed(2)}, max score diff ${row.diff.toExponential(1)}`,
      )
    results.push({ model: model.id, distribution: batch.distribution, size: batch.texts.length, lengths, rows })
  }
  await session.release()
}
const json = `${JSON.stringify({ measured_at: new Date().toISOString(), rounds, budget, rules, results }, null, 1)}\n`
if (args.out !== undefined) await writeFile(args.out, json)
process.stdout.write(json)

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i)
}
