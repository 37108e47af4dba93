/** The load test's pieces that run without a server: the request mix and the summary statistics. */
import { describe, expect, it } from 'vitest'
import { requestKinds, schedule } from '../load/mix.ts'
import { latency, markdown, type LoadResult } from '../load/report.ts'

describe('request mix', () => {
  const kinds = requestKinds(['electra-small', 'albert-base-v2'])

  it('covers both models x batches 1, 4, 8 x short and long, with valid classify bodies', () => {
    expect(kinds).toHaveLength(12)
    for (const k of kinds) {
      const body = JSON.parse(k.body) as { inputs: string | string[] }
      if (k.batch === 1) expect(typeof body.inputs).toBe('string')
      else expect(body.inputs).toHaveLength(k.batch)
      const texts = typeof body.inputs === 'string' ? [body.inputs] : body.inputs
      for (const t of texts) expect(t.length).toBeGreaterThan(k.length === 'long' ? 300 : 10)
      // Within the default limits: a load test must not measure 413s.
      expect(new TextEncoder().encode(k.body).length).toBeLessThan(262_144)
    }
    expect(new Set(kinds.map((k) => k.name)).size).toBe(12)
  })

  it('schedules each kind as often as its weight, both models alike', () => {
    const order = schedule(kinds)
    expect(order).toHaveLength(kinds.reduce((a, k) => a + k.weight, 0))
    for (const k of kinds) expect(order.filter((o) => o === k)).toHaveLength(k.weight)
    // Interleaved, not grouped: the first slots already alternate models.
    expect(order.slice(0, 12).map((k) => k.model)).toContain('albert-base-v2')
  })
})

describe('latency', () => {
  it('gives nearest-rank percentiles, mean and max', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i) // 100..1, unsorted order
    expect(latency(samples)).toEqual({ p50: 50, p90: 90, p99: 99, mean: 50.5, max: 100 })
    expect(latency([7])).toEqual({ p50: 7, p90: 7, p99: 7, mean: 7, max: 7 })
    expect(latency([])).toBeNull()
  })
})

describe('markdown', () => {
  it('reports the 5xx count, statuses and memory', () => {
    const l = { p50: 1500, p90: 2000, p99: 2500, mean: 1600, max: 3000 }
    const r: LoadResult = {
      started_at: '2026-01-01T00:00:00.000Z',
      commit: 'abc1234',
      machine: { cpus: 2, loadavg_before: [1, 2, 3], loadavg_after: [1, 2, 3], node: 'v22' },
      options: { duration_s: 60, connections: 50, timeout_s: 120 },
      totals: {
        requests: 10,
        duration_s: 60,
        req_per_s: 10 / 60,
        statuses: { 200: 9, 503: 1 },
        server_errors: 1,
        errors: 0,
        timeouts: 0,
        latency_ms: l,
      },
      kinds: [{ name: 'electra-small b1 short', unloaded_ms: 28, requests: 10, statuses: { 200: 9, 503: 1 }, latency_ms: l }],
      memory: {
        wasm_bytes_before: 2 ** 26,
        wasm_bytes_after: 2 ** 26,
        rss_samples: [{ t: 0, rss_bytes: 2 ** 29 }],
        rss_first_third_max: 2 ** 29,
        rss_last_third_max: 2 ** 29,
        trivial: { requests: 10, rss_bytes_before: 2 ** 20, rss_bytes_after: 2 ** 20 + 5 * 1024 },
      },
      notes: ['a note'],
    }
    const md = markdown(r)
    expect(md).toContain('| 5xx | **1** |')
    expect(md).toContain('| shed (429, past MAX_IN_FLIGHT) | 0 |')
    expect(md).toContain('200: 9, 503: 1')
    expect(md).toContain('1.50 s / 2.00 s / 2.50 s')
    expect(md).toContain('64.0 MiB → 64.0 MiB')
    expect(md).toContain('| electra-small b1 short | 28 ms | 10 |')
    expect(md).toContain('- a note')
    // One RSS sample (no growth) for the app; 5 KiB over 10 requests for the trivial Worker.
    expect(md).toContain('| workerd RSS per request: this Worker / a trivial Worker (10 requests) | 0.0 KiB / 0.5 KiB |')
  })
})
