/**
 * What sharing one padded `session.run` buys its rows under onnxruntime-web
 * (the Worker's build and session options, in Node): the measurements the
 * length planner's rule (src/core/inference/plan.ts) is chosen from. For each
 * benchmarked model and each batch × length shape inside DEFAULT_BATCH_BUDGET
 * it times, back to back and in alternating order, one run of the shape and
 * `batch` runs of one row at that length; `--rounds` such pairs, and reports
 * the median of the paired ratios shared / alone (robust to load from other
 * processes, which a pair sees alike). Below 1, rows gain by sharing a run.
 * From the fastest of each it also fits
 *
 *   ms(rows, length) = perRun + perToken · rows·length + perPair · rows·length²
 *
 * by least squares (bench/plan-fit.ts), over every shape and over the short
 * ones (<= 32 tokens). Prints JSON and writes it to --out.
 *
 *   node bench/plan-cost.ts [--rounds 7] [--models electra-small,albert-base-v2,albert-spam]
 *     [--lengths 4,8,…] [--batches 1,2,4,…] [--out bench/results/plan-cost.json]
 */
import { writeFile } from 'node:fs/promises'
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import * as ortWeb from 'onnxruntime-web/wasm'
import { DEFAULT_SESSION_OPTIONS, webSessionOptions } from '../src/core/inference/ort-options.ts'
import { DEFAULT_BATCH_BUDGET } from '../src/core/inference/classifier.ts'
import { fitRunCost, type CostSample } from './plan-fit.ts'
import { prepareModels } from './models.ts'
import { percentile, warmUntilSettled } from './stats.ts'

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    models: { type: 'string', default: 'electra-small,albert-base-v2,albert-spam' },
    lengths: { type: 'string', default: '4,8,16,32,48,64,96,128,192,256' },
    batches: { type: 'string', default: '1,2,4,8,16,32' },
    out: { type: 'string', default: 'bench/results/plan-cost.json' },
  },
})
ortWeb.env.wasm.numThreads = 1
ortWeb.env.logLevel = 'error'
const say = (m: string): void => void process.stderr.write(`${m}\n`)

const rounds = Number(args.rounds)
const lengths = (args.lengths ?? '').split(',').map(Number)
const batches = (args.batches ?? '').split(',').map(Number)
const wanted = new Set((args.models ?? '').split(','))
const budget = DEFAULT_BATCH_BUDGET
const shapes = lengths.flatMap((seq) =>
  batches.filter((b) => b === 1 || (b * seq <= budget.tokens && b * seq * seq <= budget.attention)).map((batch) => ({ batch, seq })),
)

function feeds(inputNames: readonly string[], batch: number, seq: number): Record<string, ortWeb.Tensor> {
  // Token ids do not change the work; 1000 is inside every vocabulary.
  const ids = new BigInt64Array(batch * seq).fill(1000n)
  const all: Record<string, BigInt64Array> = {
    input_ids: ids,
    attention_mask: new BigInt64Array(batch * seq).fill(1n),
    token_type_ids: new BigInt64Array(batch * seq),
  }
  return Object.fromEntries(inputNames.map((n) => [n, new ortWeb.Tensor('int64', all[n] ?? new BigInt64Array(batch * seq), [batch, seq])]))
}

/** Median of the paired ratios shared / alone: each pair times one run of batch×seq and batch runs of 1×seq, back to back, in alternating order. */
async function pairedSharing(
  session: ortWeb.InferenceSession,
  batch: number,
  seq: number,
  pairs: number,
): Promise<{ ratio: number; shared_ms: number; alone_ms: number }> {
  const shared = feeds(session.inputNames, batch, seq)
  const one = feeds(session.inputNames, 1, seq)
  const time = async (run: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now()
    await run()
    return performance.now() - t0
  }
  const runShared = () => session.run(shared)
  const runAlone = async () => {
    for (let r = 0; r < batch; r++) await session.run(one)
  }
  await runShared()
  await runAlone()
  const ratios: number[] = []
  const a: number[] = []
  const b: number[] = []
  for (let p = 0; p < pairs; p++) {
    // Alternate which goes first, so a load change inside a pair favours neither.
    const x = p % 2 === 0 ? await time(runShared) : Number.NaN
    const y = await time(runAlone)
    const shared = p % 2 === 0 ? x : await time(runShared)
    a.push(shared)
    b.push(y)
    ratios.push(shared / y)
  }
  return { ratio: percentile(ratios, 50), shared_ms: Math.min(...a), alone_ms: Math.min(...b) }
}

const results = []
for (const model of (await prepareModels(say)).filter((m) => wanted.has(m.id))) {
  const session = await ortWeb.InferenceSession.create(
    new Uint8Array(await readFile(model.files.int8)),
    webSessionOptions(DEFAULT_SESSION_OPTIONS),
  )
  const warm = feeds(session.inputNames, 1, 64)
  await warmUntilSettled(() => session.run(warm).then(() => undefined), 3000)
  const sharingRows: Array<{ batch: number; seq: number; ratio: number; shared_ms: number; alone_ms: number }> = []
  for (const { batch, seq } of shapes.filter((s) => s.batch > 1)) {
    const r = await pairedSharing(session, batch, seq, rounds)
    sharingRows.push({ batch, seq, ...r })
    say(`${model.id} ${batch}x${seq}: shared / alone ${r.ratio.toFixed(3)} (min ${r.shared_ms.toFixed(1)} vs ${r.alone_ms.toFixed(1)} ms)`)
  }
  await session.release()
  // One sample per shape for the fit: alone = batch 1, shared = the run itself.
  const samples: CostSample[] = [
    ...[...new Set(sharingRows.map((r) => r.seq))].map((seq) => ({
      batch: 1,
      seq,
      ms: Math.min(...sharingRows.filter((r) => r.seq === seq).map((r) => r.alone_ms / r.batch)),
    })),
    ...sharingRows.map((r) => ({ batch: r.batch, seq: r.seq, ms: r.shared_ms })),
  ]
  results.push({
    model: model.id,
    sharing: sharingRows,
    fit: fitRunCost(samples),
    short_fit: fitRunCost(samples.filter((x) => x.seq <= 32)),
    samples,
  })
}
const json = `${JSON.stringify({ measured_at: new Date().toISOString(), rounds, budget, results }, null, 1)}\n`
await writeFile(args.out ?? 'bench/results/plan-cost.json', json)
process.stdout.write(json)
