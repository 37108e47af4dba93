/**
 * The suite under `wrangler dev`: six full-size int8 models (three
 * ELECTRA-small ids on one model Worker, three ALBERT-base ids on the other)
 * behind the router, on one local state.
 *
 * - cold start: each model Worker's first classify after wrangler starts
 *   (isolate start, R2 manifest and weights, KV tokenizer, session, first run);
 * - router hop: a warm 1×16-token classify through the router, against the
 *   same model served by the one-Worker layout (the model Worker's code
 *   answering HTTP itself) on the same state, requests alternating between
 *   the two servers;
 * - round-robin: every model in turn, sequentially and then six at once,
 *   counting non-200 answers, then each isolate's Wasm memory against its
 *   budget on /readyz.
 *
 *   npm run bench:suite -- [--rounds 5] [--requests 200]
 * Writes bench/results/suite.json and suite.md.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { SUITE } from '../scripts/catalogue.ts'
import { artifactsDir, repoRoot } from '../scripts/paths.ts'
import { publish, readManifest, writeManifest } from '../scripts/publish/index.ts'
import { openLocalStores } from '../scripts/publish/stores.ts'
import { writeSuiteConfigs } from '../scripts/suite.ts'
import { bundleWorker, type Dev, startDev, stopDev } from './dev.ts'
import { prepareModels } from './models.ts'
import { percentile } from './stats.ts'

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    requests: { type: 'string', default: '200' },
    out: { type: 'string', default: 'bench/results/suite' },
  },
})
const say = (m: string) => console.error(m)
const dir = join(artifactsDir, 'bench', 'suite')
const stateDir = join(dir, 'state')

interface Isolate {
  name: string
  wasm_memory_bytes: number
  budget_bytes: number
  models: Array<{ id: string }>
}

async function classify(
  base: string,
  id: string,
  text = 'win a free cruise, reply now to claim it',
): Promise<{ status: number; ms: number }> {
  const start = performance.now()
  const res = await fetch(`${base}/v1/models/${id}/classify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: text }),
  })
  await res.arrayBuffer()
  return { status: res.status, ms: performance.now() - start }
}

await rm(dir, { recursive: true, force: true })
await mkdir(dir, { recursive: true })
const [electraSmall, albertBase] = await (async () => {
  const built = await prepareModels(say)
  return ['electra-small', 'albert-base-v2'].map((id) => {
    const m = built.find((b) => b.id === id)
    if (m === undefined) throw new Error(`bench model ${id} missing`)
    return m
  })
})()
const [electraWorker, albertWorker] = SUITE.workers
if (electraSmall === undefined || albertBase === undefined || electraWorker === undefined || albertWorker === undefined)
  throw new Error('the suite bench needs two model Workers')

// Publish each kind once, placed on its Worker, and two more ids per kind (manifest copies).
const ids: Array<{ id: string; worker: string }> = []
const stores = await openLocalStores({ persistTo: stateDir })
try {
  for (const [m, worker] of [
    [electraSmall, electraWorker.name],
    [albertBase, albertWorker.name],
  ] as const) {
    say(`${m.id}: publishing on ${worker}`)
    await publish(m.publishDir, { id: `${m.id}-1`, stores, randomWeights: true, worker })
    const manifest = await readManifest(stores, `${m.id}-1`)
    for (const k of [2, 3]) await writeManifest(stores, { ...manifest, id: `${m.id}-${k}` }, null)
    for (const k of [1, 2, 3]) ids.push({ id: `${m.id}-${k}`, worker })
  }
} finally {
  await stores.close()
}

const configs = await writeSuiteConfigs(join(dir, 'configs'))
const results: Record<string, unknown> = { models: ids }

// Cold start of each model Worker, through the router.
say('starting the suite')
const suite: Dev = await startDev('', stateDir, { configs })
const cold: Record<string, number> = {}
for (const { id, worker } of [ids[0], ids[3]].filter((x) => x !== undefined)) {
  const { status, ms } = await classify(suite.base, id)
  if (status !== 200) throw new Error(`${id}: ${status}`)
  cold[worker] = ms
}
results.cold_start_ms = cold

// Round-robin over the six, sequential then concurrent.
const statuses: Record<string, number> = {}
const rounds = Number(args.rounds)
for (let r = 0; r < rounds; r++) {
  for (const { id } of ids) {
    const { status } = await classify(suite.base, id)
    statuses[status] = (statuses[status] ?? 0) + 1
  }
  for (const { status } of await Promise.all(ids.map(({ id }) => classify(suite.base, id)))) statuses[status] = (statuses[status] ?? 0) + 1
}
const ready = (await (await fetch(`${suite.base}/readyz`)).json()) as { isolates?: Isolate[] }
results.round_robin = {
  requests: rounds * ids.length * 2,
  statuses,
  isolates: (ready.isolates ?? []).map((i) => ({
    name: i.name,
    wasm_memory_bytes: i.wasm_memory_bytes,
    budget_bytes: i.budget_bytes,
    models: i.models.map((m) => m.id),
  })),
}

// The router hop: the same warm request through the router and from the one-Worker layout on the same
// state, both servers up, requests alternating, so drift over the run falls on both alike.
const n = Number(args.requests)
say('starting the one-Worker layout on the same state, beside the suite')
const single = await startDev(bundleWorker(join(dir, 'one-worker')), stateDir)
const model = ids[0]?.id ?? ''
for (let i = 0; i < 20; i++) {
  await classify(suite.base, model)
  await classify(single.base, model)
}
const [routed, direct]: [number[], number[]] = [[], []]
for (let i = 0; i < n; i++) {
  routed.push((await classify(suite.base, model)).ms)
  direct.push((await classify(single.base, model)).ms)
}
await stopDev(single)
await stopDev(suite)
const viaRouter = { p50: percentile(routed, 50), p95: percentile(routed, 95) }
const directly = { p50: percentile(direct, 50), p95: percentile(direct, 95) }
const hops = routed.map((ms, i) => ms - (direct[i] ?? ms))
results.router_hop = {
  model,
  requests: n,
  via_router: viaRouter,
  direct: directly,
  p50_difference_ms: viaRouter.p50 - directly.p50,
  paired_median_ms: percentile(hops, 50),
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1)
const rr = results.round_robin as {
  requests: number
  statuses: Record<string, number>
  isolates: Array<{ name: string; wasm_memory_bytes: number; budget_bytes: number; models: string[] }>
}
const md = [
  '# The suite: router and model Workers under wrangler dev',
  '',
  `Six full-size int8 models (${ids.map((i) => i.id).join(', ')}); \`npm run bench:suite\`.`,
  '',
  '| measure | figure |',
  '|---|---|',
  ...Object.entries(cold).map(([w, ms]) => `| cold start, first classify on ${w} | ${ms.toFixed(0)} ms |`),
  `| warm 1×16 classify through the router, p50 / p95 | ${viaRouter.p50.toFixed(2)} / ${viaRouter.p95.toFixed(2)} ms |`,
  `| the same from the one-Worker layout, p50 / p95 | ${directly.p50.toFixed(2)} / ${directly.p95.toFixed(2)} ms |`,
  `| router hop: p50 difference / median of paired differences | ${(viaRouter.p50 - directly.p50).toFixed(2)} / ${percentile(hops, 50).toFixed(2)} ms |`,
  `| round-robin answers (${rr.requests}) | ${Object.entries(rr.statuses)
    .map(([s, c]) => `${c}× ${s}`)
    .join(', ')} |`,
  ...rr.isolates.map(
    (i) => `| ${i.name} after the round-robin | ${mib(i.wasm_memory_bytes)} of ${mib(i.budget_bytes)} MiB; holds ${i.models.join(', ')} |`,
  ),
  '',
].join('\n')
await writeFile(join(repoRoot, `${args.out}.json`), `${JSON.stringify(results, null, 2)}\n`)
await writeFile(join(repoRoot, `${args.out}.md`), md)
console.log(md)
