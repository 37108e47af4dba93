/**
 * The result of bench/load/rss.ts and its markdown (bench/results/rss.{json,md}).
 */

export interface RssRound {
  requests: number
  seconds: number
  /** VmRSS of the server's workerd processes after the round (and a 1 s pause) */
  rss_bytes: number | null
}

export interface RssVariant {
  name: string
  /** after a 1000-request warm-up */
  start_bytes: number | null
  rounds: RssRound[]
  /** after the rounds and `idle_s` seconds without requests */
  idle_bytes: number | null
  errors: number
  non2xx: number
}

export interface RssResult {
  started_at: string
  options: { requests: number; rounds: number; connections: number; idle_s: number; path: string }
  /** `workerd --version` of the binary both bare and dev ran */
  workerd: string
  loadavg_before: number[]
  loadavg_after: number[]
  variants: RssVariant[]
}

/** KiB of RSS growth per request in round `i` (from the sample before it); null without both samples or requests. */
export function perRequestKiB(v: RssVariant, i: number): number | null {
  const before = i === 0 ? v.start_bytes : (v.rounds[i - 1]?.rss_bytes ?? null)
  const round = v.rounds[i]
  if (before === null || round === undefined || round.rss_bytes === null || round.requests === 0) return null
  return (round.rss_bytes - before) / 1024 / round.requests
}

const mib = (b: number | null): string => (b === null ? 'n/a' : (b / 2 ** 20).toFixed(1))
const kib = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(2))

export function rssMarkdown(r: RssResult): string {
  const o = r.options
  const n = Math.max(0, ...r.variants.map((v) => v.rounds.length))
  const rounds = Array.from({ length: n }, (_, i) => i)
  const lines = [
    '# workerd RSS per request (bench/load/rss.ts)',
    '',
    `${r.started_at}. GET ${o.path}, ${o.connections} connections, ${o.rounds} rounds of ${o.requests} requests per server after a`,
    `1000-request warm-up, servers interleaved round by round; then ${o.idle_s} s idle. Load average ${r.loadavg_before.map((x) => x.toFixed(2)).join(' / ')} before,`,
    `${r.loadavg_after.map((x) => x.toFixed(2)).join(' / ')} after.`,
    '',
    `| server | RSS after warm-up (MiB) | ${rounds.map((i) => `after round ${i + 1}`).join(' | ')} | after idle | ${rounds.map((i) => `KiB/request round ${i + 1}`).join(' | ')} | req/s | errors, non-2xx |`,
    `|---|---:|${rounds.map(() => '---:|').join('')}---:|${rounds.map(() => '---:|').join('')}---:|---|`,
  ]
  for (const v of r.variants) {
    const reqs = v.rounds.reduce((a, x) => a + x.requests, 0)
    const secs = v.rounds.reduce((a, x) => a + x.seconds, 0)
    lines.push(
      `| ${v.name} | ${mib(v.start_bytes)} | ${rounds.map((i) => mib(v.rounds[i]?.rss_bytes ?? null)).join(' | ')} | ${mib(v.idle_bytes)} | ${rounds.map((i) => kib(perRequestKiB(v, i))).join(' | ')} | ${secs > 0 ? (reqs / secs).toFixed(0) : 'n/a'} | ${v.errors}, ${v.non2xx} |`,
    )
  }
  lines.push(
    '',
    `bare = \`workerd serve\` (${r.workerd}, the binary wrangler runs); dev = \`wrangler dev\` (Miniflare in front of the same binary).`,
    'autocannon ends a round on a whole second: the rate of a server whose rounds took about a second is a lower bound.',
    '',
  )
  return lines.join('\n')
}
