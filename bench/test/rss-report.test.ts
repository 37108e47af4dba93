/** bench/load/rss.ts's arithmetic and table, without servers. */
import { describe, expect, it } from 'vitest'
import { perRequestKiB, rssMarkdown, type RssResult, type RssVariant } from '../load/rss-report.ts'

const MiB = 2 ** 20

const variant = (name: string, start: number | null, after: (number | null)[]): RssVariant => ({
  name,
  start_bytes: start,
  rounds: after.map((rss_bytes) => ({ requests: 1024, seconds: 2, rss_bytes })),
  idle_bytes: after[after.length - 1] ?? null,
  errors: 0,
  non2xx: 0,
})

describe('perRequestKiB', () => {
  it('is the growth since the previous sample per request of the round', () => {
    const v = variant('dev-app', 100 * MiB, [101 * MiB, 101 * MiB, 100.5 * MiB])
    expect(perRequestKiB(v, 0)).toBe(1) // 1 MiB over 1024 requests
    expect(perRequestKiB(v, 1)).toBe(0)
    expect(perRequestKiB(v, 2)).toBe(-0.5)
  })

  it('is null without both samples or past the last round', () => {
    expect(perRequestKiB(variant('a', null, [MiB]), 0)).toBeNull()
    expect(perRequestKiB(variant('a', MiB, [null, MiB]), 1)).toBeNull()
    expect(perRequestKiB(variant('a', MiB, [MiB]), 1)).toBeNull()
  })
})

describe('rssMarkdown', () => {
  it('has a row per server with its samples, KiB per request and rate', () => {
    const r: RssResult = {
      started_at: '2026-01-01T00:00:00.000Z',
      options: { requests: 1024, rounds: 2, connections: 10, idle_s: 20, path: '/healthz' },
      workerd: 'workerd 2026-11-17',
      loadavg_before: [1, 1, 1],
      loadavg_after: [2, 2, 2],
      variants: [variant('bare-trivial', 64 * MiB, [65 * MiB, 67 * MiB]), variant('dev-app', 300 * MiB, [null, 310 * MiB])],
    }
    const md = rssMarkdown(r)
    expect(md).toContain('| bare-trivial | 64.0 | 65.0 | 67.0 | 67.0 | 1.00 | 2.00 | 512 | 0, 0 |')
    expect(md).toContain('| dev-app | 300.0 | n/a | 310.0 | 310.0 | n/a | n/a | 512 | 0, 0 |')
    expect(md).toContain('workerd 2026-11-17')
  })
})
