/**
 * Bounded loopback load test:
 *
 *   node bench/load/run.ts [--duration 60] [--connections 50] [--timeout 120] [--max-in-flight <n>] [--fresh] [--no-write]
 *
 * Publishes the default models (scripts/catalogue.ts) into a scratch state
 * (.artifacts/load/state, kept between runs unless --fresh), bundles the
 * Worker, serves it with `wrangler dev --persist-to` on a free 127.0.0.1
 * port, loads both models through /readyz, warms each request kind once, then
 * drives a fixed mix (bench/load/mix.ts) with autocannon for `duration`
 * seconds while sampling the workerd RSS from /proc every second. Writes
 * bench/results/load.json and load.md. wrangler is stopped at the end, on
 * error, on Ctrl-C, and by a watchdog if anything hangs. Exits 1 if any
 * response was a 5xx. `--max-in-flight` overrides wrangler.toml's MAX_IN_FLIGHT
 * (0 = no load shedding) for an A/B of the cap.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { DEFAULT_MODELS } from '../../scripts/catalogue.ts'
import { publishDefaults } from '../../scripts/publish/defaults.ts'
import { artifactsDir, repoRoot } from '../../scripts/paths.ts'
import { openLocalStores } from '../../scripts/publish/stores.ts'
import { bundleWorker, type Dev, startDev, stopDev, workerdRss } from '../dev.ts'
import { requestKinds, schedule } from './mix.ts'
import { latency, markdown, type LoadResult, type MemorySample, type TrivialBaseline } from './report.ts'
import { bounded } from './bounded.ts'

/** The slice of autocannon's API used here (it ships no types). */
interface CannonRequest {
  method?: string
  path?: string
  headers?: Record<string, string>
  body?: string
  setupRequest?: (request: CannonRequest, context: CannonContext) => CannonRequest
  onResponse?: (status: number, body: string, context: CannonContext) => void
}
interface CannonContext {
  kind?: string
  start?: number
}
interface CannonResult {
  duration: number
  errors: number
  timeouts: number
  requests: { average: number; total: number }
}
interface CannonInstance {
  stop(): void
}
type Autocannon = (
  options: { url: string; connections: number; timeout: number; duration?: number; amount?: number; requests?: CannonRequest[] },
  done: (error: Error | null, result: CannonResult) => void,
) => CannonInstance
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '50' },
    timeout: { type: 'string', default: '120' },
    'max-in-flight': { type: 'string' },
    fresh: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
})
const durationS = Number(values.duration)
const connections = Number(values.connections)
const timeoutS = Number(values.timeout)
for (const [name, v] of Object.entries({ duration: durationS, connections, timeout: timeoutS })) {
  if (!Number.isInteger(v) || v <= 0 || v > 3600) throw new Error(`--${name} must be a whole number of 1..3600, got ${String(v)}`)
}

const say = (m: string) => console.error(`[load] ${m}`)
const scratch = join(artifactsDir, 'load')
const stateDir = join(scratch, 'state')
const models = DEFAULT_MODELS.map((m) => m.id)
const loadavgBefore = loadavg()
const notes: string[] = []

let dev: Dev | undefined
let cannon: CannonInstance | undefined
let sampler: NodeJS.Timeout | undefined

async function shutdown(): Promise<void> {
  if (sampler) clearInterval(sampler)
  cannon?.stop()
  if (dev) await stopDev(dev)
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void shutdown().finally(() => process.exit(130))
  })
}

async function readyz(d: Dev): Promise<{ wasm_memory_bytes: number; models: Record<string, { load_ms: number | null }> }> {
  // The first call loads both models (seconds each for the full-size ALBERT).
  for (let attempt = 0; attempt < 5; attempt++) {
    const res = await fetch(`${d.base}/readyz`)
    if (res.ok) return (await res.json()) as { wasm_memory_bytes: number; models: Record<string, { load_ms: number | null }> }
    say(`/readyz answered ${res.status}: ${(await res.text()).slice(0, 300)}; retrying`)
    await new Promise((r) => setTimeout(r, 2000))
  }
  throw new Error(`/readyz never answered 200:\n${d.log()}`)
}

/** `amount` GETs of `url` over `connections` (at least one request per connection). */
function hammer(url: string, amount: number): Promise<void> {
  return new Promise((resolve, reject) => {
    cannon = autocannon({ url, connections, amount: Math.max(amount, connections), timeout: timeoutS }, (error) =>
      error ? reject(error) : resolve(),
    )
  })
}

/**
 * As many requests as the run answered, to a trivial Worker under a fresh
 * `wrangler dev`: the dev runtime's own RSS growth, for scale. The entry sits
 * in its own folder under /tmp (wrangler watches the entry's folder; a state
 * dir inside it would reload the Worker).
 */
async function trivialBaseline(requests: number): Promise<TrivialBaseline> {
  const dir = await mkdtemp(join(tmpdir(), 'edge-classify-load-trivial-'))
  try {
    await mkdir(join(dir, 'worker'))
    const entry = join(dir, 'worker', 'index.js')
    await writeFile(entry, `export default { fetch() { return Response.json({ status: 'ok' }) } }\n`)
    const t = await startDev(entry, join(dir, 'state'))
    dev = t
    await hammer(t.base, 100)
    const before = workerdRss(t)
    await hammer(t.base, requests)
    const after = workerdRss(t)
    await stopDev(t)
    dev = undefined
    return { requests: Math.max(requests, connections), rss_bytes_before: before, rss_bytes_after: after }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<number> {
  if (values.fresh) await rm(stateDir, { recursive: true, force: true })
  await mkdir(stateDir, { recursive: true })
  const stores = await openLocalStores({ persistTo: stateDir })
  try {
    await publishDefaults(stores, { onProgress: (m) => say(m) })
  } finally {
    await stores.close()
  }
  say('bundling the Worker')
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'wrangler.toml'], { cwd: repoRoot, encoding: 'utf8' }).trim()
  if (dirty !== '')
    notes.push(
      `The bundle included uncommitted changes: ${dirty
        .split('\n')
        .map((l) => l.trim())
        .join('; ')}.`,
    )
  const entry = bundleWorker(join(scratch, 'bundle'))
  const maxInFlight = values['max-in-flight']
  if (maxInFlight !== undefined && !/^\d+$/.test(maxInFlight)) throw new Error(`--max-in-flight must be a whole number, got ${maxInFlight}`)
  notes.push(`MAX_IN_FLIGHT: ${maxInFlight === undefined ? "wrangler.toml's" : `${maxInFlight} (--max-in-flight)`}.`)
  dev = await startDev(entry, stateDir, maxInFlight === undefined ? {} : { vars: { MAX_IN_FLIGHT: maxInFlight } })
  const d = dev
  say(`wrangler dev on ${d.base}`)
  const ready = await readyz(d)
  say(
    `ready: ${Object.entries(ready.models)
      .map(([id, m]) => `${id} loaded in ${m.load_ms ?? '?'} ms`)
      .join(', ')}`,
  )

  const kinds = requestKinds(models)
  // Each kind alone, twice (the first run warms it up): the service time that queueing adds to under load.
  const unloaded = new Map<string, number>()
  for (let round = 0; round < 2; round++) {
    for (const k of kinds) {
      const t = performance.now()
      const res = await fetch(`${d.base}/v1/models/${k.model}/classify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: k.body,
      })
      if (!res.ok) throw new Error(`warm-up ${k.name} answered ${res.status}: ${await res.text()}`)
      await res.arrayBuffer()
      unloaded.set(k.name, performance.now() - t)
    }
  }
  const wasmBefore = (await readyz(d)).wasm_memory_bytes
  say(`warm; Wasm memory ${(wasmBefore / 2 ** 20).toFixed(1)} MiB; ${connections} connections for ${durationS} s`)

  const order = schedule(kinds)
  const samples = new Map<string, number[]>(kinds.map((k) => [k.name, []]))
  const statuses = new Map<string, Record<string, number>>(kinds.map((k) => [k.name, {}]))
  let next = 0
  const request: CannonRequest = {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    setupRequest: (req, context) => {
      const k = order[next++ % order.length] ?? kinds[0]
      if (!k) throw new Error('no request kinds')
      context.kind = k.name
      context.start = performance.now()
      return { ...req, method: 'POST', path: `/v1/models/${k.model}/classify`, body: k.body }
    },
    onResponse: (status, _body, context) => {
      const kind = context.kind ?? '?'
      const s = statuses.get(kind) ?? {}
      s[status] = (s[status] ?? 0) + 1
      statuses.set(kind, s)
      // Latency is that of served requests; a 429 (shed past MAX_IN_FLIGHT) is counted in the statuses only.
      if (context.start !== undefined && status === 200) samples.get(kind)?.push(performance.now() - context.start)
    },
  }

  const rss: MemorySample[] = []
  const t0 = performance.now()
  sampler = setInterval(() => rss.push({ t: (performance.now() - t0) / 1000, rss_bytes: workerdRss(d) }), 1000)
  rss.push({ t: 0, rss_bytes: workerdRss(d) })
  const result = await new Promise<CannonResult>((resolve, reject) => {
    cannon = autocannon({ url: d.base, connections, duration: durationS, timeout: timeoutS, requests: [request] }, (error, r) =>
      error ? reject(error) : resolve(r),
    )
  })
  clearInterval(sampler)
  rss.push({ t: (performance.now() - t0) / 1000, rss_bytes: workerdRss(d) })
  const after = await readyz(d)
  if (/Reloading|restart/i.test(d.log())) notes.push('wrangler reported a reload during the run; see its log.')
  await stopDev(d)
  dev = undefined

  const totalStatuses: Record<string, number> = {}
  for (const s of statuses.values()) for (const [code, n] of Object.entries(s)) totalStatuses[code] = (totalStatuses[code] ?? 0) + n
  const all = [...samples.values()].flat()
  const count = (s: Record<string, number>) => Object.values(s).reduce((a, n) => a + n, 0)
  const answered = count(totalStatuses)
  const serverErrors = Object.entries(totalStatuses)
    .filter(([code]) => Number(code) >= 500)
    .reduce((a, [, n]) => a + n, 0)
  const third = (from: number, to: number) => {
    const xs = rss.filter((s) => s.t >= from && s.t < to && s.rss_bytes !== null).map((s) => s.rss_bytes ?? 0)
    return xs.length > 0 ? Math.max(...xs) : null
  }
  say(`trivial Worker baseline: ${answered} requests`)
  const trivial = await trivialBaseline(answered)
  const span = rss[rss.length - 1]?.t ?? durationS
  const out: LoadResult = {
    started_at: new Date(Date.now() - (performance.now() - t0)).toISOString(),
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim(),
    machine: { cpus: cpus().length, loadavg_before: loadavgBefore, loadavg_after: loadavg(), node: process.version },
    options: { duration_s: durationS, connections, timeout_s: timeoutS },
    totals: {
      requests: answered,
      duration_s: result.duration,
      req_per_s: answered / result.duration,
      statuses: totalStatuses,
      server_errors: serverErrors,
      errors: result.errors,
      timeouts: result.timeouts,
      latency_ms: latency(all) ?? { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, mean: Number.NaN, max: Number.NaN },
    },
    kinds: kinds.map((k) => ({
      name: k.name,
      unloaded_ms: unloaded.get(k.name) ?? Number.NaN,
      requests: count(statuses.get(k.name) ?? {}),
      statuses: statuses.get(k.name) ?? {},
      latency_ms: latency(samples.get(k.name) ?? []),
    })),
    memory: {
      wasm_bytes_before: wasmBefore,
      wasm_bytes_after: after.wasm_memory_bytes,
      rss_samples: rss,
      rss_first_third_max: third(0, span / 3),
      rss_last_third_max: third((2 * span) / 3, span + 1),
      trivial,
    },
    notes,
  }
  const md = markdown(out)
  process.stdout.write(md)
  if (!values['no-write']) {
    const dir = join(repoRoot, 'bench', 'results')
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'load.json'), `${JSON.stringify(out, null, 2)}\n`)
    await writeFile(join(dir, 'load.md'), md)
    say('wrote bench/results/load.json and load.md')
  }
  return serverErrors > 0 ? 1 : 0
}

// Bounded even if something hangs: publish, start, warm-up and the run itself, with room to spare.
await bounded(main, shutdown, (durationS + timeoutS + 900) * 1000, say)
