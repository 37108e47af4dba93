/**
 * The load test's result: its JSON shape and the markdown summary written
 * beside it (bench/results/load.{json,md}).
 */

export interface Latency {
  p50: number
  p90: number
  p99: number
  mean: number
  max: number
}

export interface KindResult {
  name: string
  /** one request of this kind with nothing else in flight (after a warm-up run) */
  unloaded_ms: number
  requests: number
  statuses: Record<string, number>
  latency_ms: Latency | null
}

export interface MemorySample {
  /** seconds since the load started */
  t: number
  rss_bytes: number | null
}

/** A trivial Worker under the same `wrangler dev`, sent as many requests as the run answered: the dev runtime's own RSS growth. */
export interface TrivialBaseline {
  requests: number
  rss_bytes_before: number | null
  rss_bytes_after: number | null
}

/** KiB of RSS per request between two samples; null without both. */
export function kibPerRequest(before: number | null | undefined, after: number | null | undefined, requests: number): number | null {
  if (before === null || before === undefined || after === null || after === undefined || requests <= 0) return null
  return (after - before) / 1024 / requests
}

export interface LoadResult {
  started_at: string
  commit: string
  machine: { cpus: number; loadavg_before: number[]; loadavg_after: number[]; node: string }
  options: { duration_s: number; connections: number; timeout_s: number }
  totals: {
    requests: number
    duration_s: number
    req_per_s: number
    statuses: Record<string, number>
    server_errors: number
    errors: number
    timeouts: number
    latency_ms: Latency
  }
  kinds: KindResult[]
  memory: {
    wasm_bytes_before: number
    wasm_bytes_after: number
    rss_samples: MemorySample[]
    rss_first_third_max: number | null
    rss_last_third_max: number | null
    trivial: TrivialBaseline | null
  }
  notes: string[]
}

/** Percentiles of samples (ms), nearest rank. */
export function latency(samples: readonly number[]): Latency | null {
  if (samples.length === 0) return null
  const s = [...samples].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length, max: s[s.length - 1] ?? Number.NaN }
}

const mb = (b: number | null): string => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(1)} MiB`)
const ms = (x: number | undefined): string => (x === undefined ? 'n/a' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`)
const statusList = (s: Record<string, number>): string =>
  Object.entries(s)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ') || 'none'

const kib = (x: number | null): string => (x === null ? 'n/a' : `${x.toFixed(1)} KiB`)

/** The app's RSS growth per answered request over the run (first to last sample). */
function appGrowth(r: LoadResult): number | null {
  const s = r.memory.rss_samples
  return kibPerRequest(s[0]?.rss_bytes, s[s.length - 1]?.rss_bytes, r.totals.requests)
}

export function markdown(r: LoadResult): string {
  const t = r.totals
  const lines = [
    '# Load test (bench/load/run.ts)',
    '',
    `${r.started_at}, commit ${r.commit}. \`wrangler dev\` (local workerd, one isolate) on loopback, driven by autocannon:`,
    `${r.options.connections} connections, ${r.options.duration_s} s, request timeout ${r.options.timeout_s} s.`,
    `Machine: ${r.machine.cpus} CPUs shared with other work; load average ${r.machine.loadavg_before.map((x) => x.toFixed(2)).join(' / ')} before,`,
    `${r.machine.loadavg_after.map((x) => x.toFixed(2)).join(' / ')} after (1/5/15 min). Node ${r.machine.node}.`,
    '',
    '| | |',
    '|---|---|',
    `| requests | ${t.requests} in ${t.duration_s.toFixed(1)} s (${t.req_per_s.toFixed(2)} req/s) |`,
    `| statuses | ${statusList(t.statuses)} |`,
    `| 5xx | **${t.server_errors}** |`,
    `| connection errors / timeouts | ${t.errors} / ${t.timeouts} |`,
    `| shed (429, past MAX_IN_FLIGHT) | ${t.statuses['429'] ?? 0} |`,
    `| latency p50 / p90 / p99 (200s) | ${ms(t.latency_ms.p50)} / ${ms(t.latency_ms.p90)} / ${ms(t.latency_ms.p99)} |`,
    `| latency mean / max (200s) | ${ms(t.latency_ms.mean)} / ${ms(t.latency_ms.max)} |`,
    `| Wasm memory before → after | ${mb(r.memory.wasm_bytes_before)} → ${mb(r.memory.wasm_bytes_after)} |`,
    `| workerd RSS, max in first → last third | ${mb(r.memory.rss_first_third_max)} → ${mb(r.memory.rss_last_third_max)} |`,
    `| workerd RSS per request: this Worker / a trivial Worker (${r.memory.trivial?.requests ?? 0} requests) | ${kib(appGrowth(r))} / ${kib(kibPerRequest(r.memory.trivial?.rss_bytes_before, r.memory.trivial?.rss_bytes_after, r.memory.trivial?.requests ?? 0))} |`,
    '',
    'Latency is client-side (request written to response read). Under a closed loop of N connections',
    'against one single-threaded isolate it is mostly queueing, about N / throughput, and it is the same',
    'for every kind: responses leave the local workerd in waves (see docs/reliability.md, "Load").',
    'Requests past MAX_IN_FLIGHT are answered 429 at once; autocannon retries them without waiting.',
    '',
    'The RSS is that of `wrangler dev`, which grows by itself by tens of KiB per request over the first',
    'ten thousand requests (bench/results/rss-*.md, from bench/load/rss.ts). The trivial Worker (`GET /` →',
    '`{"status":"ok"}`, as many requests, same connections, a fresh `wrangler dev` after the run) shows that',
    "growth for scale: the app's own is the difference, if any.",
    '',
    '## By request kind',
    '',
    '`alone`: one request of the kind with nothing else in flight, before the load (its service time).',
    '',
    '| kind | alone | requests | statuses | p50 (200s) | p99 (200s) | mean (200s) |',
    '|---|---:|---:|---|---:|---:|---:|',
    ...r.kinds.map(
      (k) =>
        `| ${k.name} | ${ms(k.unloaded_ms)} | ${k.requests} | ${statusList(k.statuses)} | ${ms(k.latency_ms?.p50)} | ${ms(k.latency_ms?.p99)} | ${ms(k.latency_ms?.mean)} |`,
    ),
    '',
    '## workerd RSS during the run',
    '',
    r.memory.rss_samples.length === 0
      ? 'not sampled (no /proc)'
      : r.memory.rss_samples
          .filter((_, i, all) => i % Math.max(1, Math.floor(all.length / 12)) === 0 || i === all.length - 1)
          .map((s) => `${s.t.toFixed(0)} s: ${mb(s.rss_bytes)}`)
          .join(' · '),
    '',
    ...(r.notes.length > 0 ? ['## Notes', '', ...r.notes.map((n) => `- ${n}`), ''] : []),
  ]
  return `${lines.join('\n')}\n`
}
