/**
 * Whose resident memory grows under load: the same GET hammered at
 * up to four servers, interleaved round by round so that a busy machine slows
 * them alike:
 *
 *   bare-trivial  `workerd serve` (the npm-installed binary), a Worker answering {"status":"ok"}
 *   bare-app      `workerd serve`, this Worker bundled as for deploy
 *   dev-trivial   `wrangler dev`, the trivial Worker
 *   dev-app       `wrangler dev`, this Worker (what bench/load/run.ts drives)
 *
 *   node bench/load/rss.ts [--requests 20000] [--rounds 3] [--connections 10] [--idle 20]
 *                          [--path /healthz] [--variants bare-trivial,bare-app,dev-trivial,dev-app] [--out rss]
 *
 * After a warm-up of 1000 requests, each round sends `requests` to every
 * server (a fresh order each round) and samples VmRSS of its workerd
 * processes; after the rounds every server is left idle for `idle` seconds
 * and sampled again. The bare servers' R2 and KV bindings point at a stub
 * service (nothing on /healthz reads them). Scratch files live under /tmp
 * (a state dir inside a watched folder makes wrangler reload). With
 * `--out name`, writes bench/results/<name>.{json,md}.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { loadavg, tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { parseArgs } from 'node:util'
import { repoRoot } from '../../scripts/paths.ts'
import { bundleWorker, freePort, startDev, stopDev, workerdRss } from '../dev.ts'
import { perRequestKiB, rssMarkdown, type RssResult, type RssVariant } from './rss-report.ts'
import { bounded } from './bounded.ts'

interface CannonResult {
  requests: { total: number }
  errors: number
  non2xx: number
}
type Autocannon = (
  options: { url: string; connections: number; amount: number; timeout: number },
  done: (error: Error | null, result: CannonResult) => void,
) => unknown
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

const VARIANTS = ['bare-trivial', 'bare-app', 'dev-trivial', 'dev-app'] as const
type VariantName = (typeof VARIANTS)[number]

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    idle: { type: 'string', default: '20' },
    path: { type: 'string', default: '/healthz' },
    variants: { type: 'string', default: VARIANTS.join(',') },
    out: { type: 'string' },
  },
})
const requests = Number(values.requests)
const rounds = Number(values.rounds)
const connections = Number(values.connections)
const idleS = Number(values.idle)
for (const [name, v] of Object.entries({ requests, rounds, connections, idle: idleS })) {
  if (!Number.isInteger(v) || v < 0 || v > 1_000_000) throw new Error(`--${name} must be a whole number, got ${String(v)}`)
}
const chosen = values.variants.split(',').map((s) => s.trim())
for (const v of chosen)
  if (!(VARIANTS as readonly string[]).includes(v)) throw new Error(`unknown variant ${v}; use ${VARIANTS.join(', ')}`)
const variants = chosen as VariantName[]

const say = (m: string) => console.error(`[rss] ${m}`)
// The binary wrangler dev runs (wrangler may pin its own, newer than the top-level one), so bare and dev differ only in what sits around it.
function findWorkerd(): string {
  const found = [
    join(repoRoot, 'node_modules', 'wrangler', 'node_modules', '@cloudflare', 'workerd-linux-64', 'bin', 'workerd'),
    join(repoRoot, 'node_modules', '@cloudflare', 'workerd-linux-64', 'bin', 'workerd'),
  ].find((p) => existsSync(p))
  if (found === undefined) throw new Error('no workerd binary under node_modules/@cloudflare/workerd-linux-64: run npm install')
  return found
}
const workerd = findWorkerd()
const workerdVersion = execFileSync(workerd, ['--version'], { encoding: 'utf8' }).trim()
const compatibilityDate =
  /compatibility_date\s*=\s*"([^"]+)"/.exec(readFileSync(join(repoRoot, 'wrangler.toml'), 'utf8'))?.[1] ?? '2026-10-01'
const TRIVIAL = `export default { fetch() { return new Response('{"status":"ok"}', { headers: { 'content-type': 'application/json' } }) } }\n`
const STUB = `export default { fetch() { return new Response('stub', { status: 503 }) } }\n`

interface Server {
  name: VariantName
  base: string
  rss(): number | null
  stop(): Promise<void>
}

function vmRss(pid: number | undefined): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : null
  } catch {
    return null
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/** `workerd serve` on a capnp config holding `modules` (the first is the entry) and the app's bindings. */
async function bare(name: VariantName, dir: string, modules: string[]): Promise<Server> {
  const port = await freePort()
  const moduleLines = modules.map((m) =>
    m.endsWith('.wasm')
      ? `(name = "${basename(m)}", wasm = embed "${basename(m)}")`
      : `(name = "${basename(m)}", esModule = embed "${basename(m)}")`,
  )
  for (const m of modules) copyFileSync(m, join(dir, basename(m)))
  writeFileSync(join(dir, 'stub.js'), STUB)
  const vars =
    readFileSync(join(repoRoot, 'wrangler.toml'), 'utf8')
      .split('[vars]')[1]
      ?.split('\n[')[0]
      ?.split('\n')
      .map((l) => /^([A-Z_]+)\s*=\s*"([^"]*)"/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `(name = "${m[1] ?? ''}", text = "${m[2] ?? ''}")`) ?? []
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .main), (name = "stub", worker = .stub) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const main :Workerd.Worker = (
  modules = [ ${moduleLines.join(', ')} ],
  compatibilityDate = "${compatibilityDate}",
  bindings = [ (name = "MODELS", r2Bucket = "stub"), (name = "TOKENIZERS", kvNamespace = "stub")${vars.map((v) => `, ${v}`).join('')} ],
);
const stub :Workerd.Worker = (modules = [ (name = "stub.js", esModule = embed "stub.js") ], compatibilityDate = "${compatibilityDate}");
`,
  )
  const child = spawn(workerd, ['serve', 'config.capnp'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-5000)
  })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error(`${name}: workerd exited ${child.exitCode}: ${log}`)
    try {
      if ((await fetch(`${base}${values.path}`)).ok) return { name, base, rss: () => vmRss(child.pid), stop: () => stopChild(child) }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  await stopChild(child)
  throw new Error(`${name}: no answer on ${values.path} within 30 s: ${log}`)
}

async function dev(name: VariantName, dir: string, entry: string): Promise<Server> {
  const d = await startDev(entry, join(dir, 'state'))
  return { name, base: d.base, rss: () => workerdRss(d), stop: () => stopDev(d) }
}

/** `amount` requests over `connections`; `seconds` is measured here (autocannon's `duration` is whole seconds). */
function hammer(base: string, amount: number): Promise<CannonResult & { seconds: number }> {
  const t0 = performance.now()
  return new Promise((resolve, reject) => {
    autocannon({ url: `${base}${values.path}`, connections, amount, timeout: 30 }, (e, r) =>
      e ? reject(e) : resolve({ ...r, seconds: (performance.now() - t0) / 1000 }),
    )
  })
}

const scratch = mkdtempSync(join(tmpdir(), 'edge-classify-rss-'))
const servers: Server[] = []
const shutdown = async () => {
  for (const s of servers.splice(0)) await s.stop()
  rmSync(scratch, { recursive: true, force: true })
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown().finally(() => process.exit(130)))

async function main(): Promise<void> {
  // Its own folder: wrangler dev watches the entry's folder, and a state dir inside it reloads the Worker on every write.
  mkdirSync(join(scratch, 'trivial'))
  const trivialEntry = join(scratch, 'trivial', 'trivial.js')
  writeFileSync(trivialEntry, TRIVIAL)
  let appModules: string[] = []
  if (variants.some((v) => v.endsWith('-app'))) {
    say('bundling the Worker')
    const entry = bundleWorker(join(scratch, 'bundle'))
    const wasm = readdirSync(join(scratch, 'bundle')).filter((f) => f.endsWith('.wasm'))
    appModules = [entry, ...wasm.map((f) => join(scratch, 'bundle', f))]
  }
  for (const v of variants) {
    const dir = mkdtempSync(join(scratch, `${v}-`))
    const s =
      v === 'bare-trivial'
        ? await bare(v, dir, [trivialEntry])
        : v === 'bare-app'
          ? await bare(v, dir, appModules)
          : v === 'dev-trivial'
            ? await dev(v, dir, trivialEntry)
            : await dev(v, dir, appModules[0] ?? '')
    servers.push(s)
    say(`${v} on ${s.base}`)
  }
  const result: RssResult = {
    started_at: new Date().toISOString(),
    options: { requests, rounds, connections, idle_s: idleS, path: values.path },
    workerd: workerdVersion,
    loadavg_before: loadavg(),
    loadavg_after: [],
    variants: servers.map((s): RssVariant => ({ name: s.name, start_bytes: null, rounds: [], idle_bytes: null, errors: 0, non2xx: 0 })),
  }
  const byName = new Map(result.variants.map((v) => [v.name, v]))
  for (const s of servers) {
    const r = await hammer(s.base, 1000)
    const v = byName.get(s.name)
    if (v) v.start_bytes = s.rss()
    say(`${s.name} warm (${r.requests.total} requests): ${((s.rss() ?? 0) / 2 ** 20).toFixed(1)} MiB`)
  }
  for (let round = 0; round < rounds; round++) {
    // Rotate the order so no server always runs right after the same one.
    const order = servers.map((_, i) => servers[(i + round) % servers.length]).filter((s): s is Server => s !== undefined)
    for (const s of order) {
      const r = await hammer(s.base, requests)
      await new Promise((res) => setTimeout(res, 1000))
      const v = byName.get(s.name)
      if (!v) continue
      const bytes = s.rss()
      v.rounds.push({ requests: r.requests.total, seconds: r.seconds, rss_bytes: bytes })
      v.errors += r.errors
      v.non2xx += r.non2xx
      say(
        `round ${round + 1} ${s.name}: ${r.requests.total} requests in ${r.seconds.toFixed(1)} s, RSS ${((bytes ?? 0) / 2 ** 20).toFixed(1)} MiB (${perRequestKiB(v, round)?.toFixed(2) ?? '?'} KiB/request)`,
      )
    }
  }
  if (idleS > 0) {
    say(`idle ${idleS} s`)
    await new Promise((res) => setTimeout(res, idleS * 1000))
    for (const s of servers) {
      const v = byName.get(s.name)
      if (v) v.idle_bytes = s.rss()
    }
  }
  result.loadavg_after = loadavg()
  const md = rssMarkdown(result)
  process.stdout.write(md)
  const out = values.out
  if (out !== undefined) {
    if (!/^[a-z0-9-]+$/.test(out)) throw new Error(`--out must be a plain name like rss-dev, got ${out}`)
    writeFileSync(join(repoRoot, 'bench', 'results', `${out}.json`), `${JSON.stringify(result, null, 2)}\n`)
    writeFileSync(join(repoRoot, 'bench', 'results', `${out}.md`), md)
    say(`wrote bench/results/${out}.json and ${out}.md`)
  }
}

// Bounded even if something hangs.
await bounded(main, shutdown, 10 * 60_000, say)
