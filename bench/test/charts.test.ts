import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chartPaths } from '../charts-cli.ts'
import { coldStartChart, ENGINES, latencyChart, memoryChart, renderCharts } from '../charts.ts'
import type { ChartInput } from '../charts.ts'
import { esc, ticks } from '../charts-svg.ts'
import type { LatencySummary } from '../report.ts'
import { repoRoot } from '../../scripts/paths.ts'

const latestJson = join(repoRoot, 'bench', 'results', 'latest.json')
const latest = JSON.parse(readFileSync(latestJson, 'utf8')) as ChartInput

const cell = (
  model: string,
  method: LatencySummary['method'],
  variant: LatencySummary['variant'],
  seq: number,
  p50: number,
): LatencySummary => ({
  model,
  method,
  variant,
  batch: 1,
  seq,
  n: 5,
  p50_ms: p50,
  p95_ms: p50 * 1.1,
  min_ms: p50 * 0.9,
  max_ms: p50 * 1.2,
})

const summary = (n: number) => ({ n, p50_ms: 10, p95_ms: 10, min_ms: 10, max_ms: 10 })

const base: ChartInput = {
  started_at: '2026-01-02T03:04:05.000Z',
  machine: { cpu: 'Test CPU', cores: 2, memory_gib: 8, os: 'Linux', node: 'v22', load_avg: [], versions: {} },
  summary: [],
  cold_summary: [],
  memory: [],
}

/** Every element is closed, in order: a well-formed document for the tags these charts use. */
function assertWellFormed(svg: string): void {
  const stack: string[] = []
  for (const m of svg.matchAll(/<(\/?)([a-z]+)\b[^>]*?(\/?)>/g)) {
    const [, closing, name = '', selfClosing] = m
    if (selfClosing === '/') continue
    if (closing === '/') expect(stack.pop()).toBe(name)
    else stack.push(name)
  }
  expect(stack).toEqual([])
  expect(svg.replace(/<[^>]*>/g, '')).not.toMatch(/[<>]|&(?!amp;|lt;|gt;|quot;)/)
}

/** [x, y] pairs of each polyline, in document order. */
const polylines = (svg: string): Array<Array<[number, number]>> =>
  [...svg.matchAll(/<polyline points="([^"]+)"/g)].map((m) =>
    (m[1] ?? '').split(' ').map((p) => p.split(',').map(Number) as [number, number]),
  )

/** Widths of the bars (rects after the legend swatches and the background). */
const barWidths = (svg: string): number[] =>
  [...svg.matchAll(/<rect x="[^"]+" y="[^"]+" width="([^"]+)" height="(\d+(?:\.\d+)?)"/g)]
    .filter((m) => Number(m[2]) > 10)
    .map((m) => Number(m[1]))

describe('benchmark charts', () => {
  it('draws the committed report: latency per model and engine, cold start, memory', () => {
    const charts = renderCharts(latest)
    expect(charts.map((c) => c.name)).toEqual(['latency', 'cold-start', 'memory'])
    for (const { svg } of charts) {
      assertWellFormed(svg)
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]* role="img"/)
      expect(svg).toContain('<title id="title">')
    }
    const [latency = '', cold = '', memory = ''] = charts.map((c) => c.svg)
    for (const model of new Set(latest.summary.map((s) => s.model))) expect(latency).toContain(`>${model}</text>`)
    for (const engine of ENGINES) expect(latency).toContain(esc(engine.label))
    for (const c of latest.cold_summary) expect(cold).toContain(c.model)
    for (const m of latest.memory) expect(memory).toContain(m.loaded.split('+').join(' + '))
  })

  it('are up to date with bench/results/latest.json (`npm run bench:charts` redraws them)', () => {
    const charts = renderCharts(latest)
    const paths = chartPaths(
      latestJson,
      charts.map((c) => c.name),
    )
    charts.forEach((c, i) => expect(readFileSync(paths[i] ?? '', 'utf8'), `${paths[i]} is stale: run npm run bench:charts`).toBe(c.svg))
  })

  it('puts each latency point where its tokens and p50 say, one line per engine with data', () => {
    const r: ChartInput = {
      ...base,
      summary: [
        cell('m', 'http', 'int8', 16, 10),
        cell('m', 'http', 'int8', 256, 100),
        cell('m', 'ort-node', 'int8', 16, 2),
        cell('m', 'ort-node', 'int8', 256, 20),
        // batch 8 and engines off the chart are left out
        { ...cell('m', 'http', 'int8', 64, 999), batch: 8 },
        cell('m', 'http-floor', 'int8', 16, 1),
      ],
    }
    const lines = polylines(latencyChart(r))
    expect(lines).toHaveLength(2)
    const [http = [], native = []] = lines
    const [[x16 = 0, y10 = 0] = [], [x256 = 0, y100 = 0] = []] = http
    expect(x256).toBeGreaterThan(x16)
    // 100 ms is the top tick (ticks(100) ends at 100), so it sits on the plot's top edge; 0 ms is 250 px below.
    const [[, y2 = 0] = [], [, y20 = 0] = []] = native
    const zero = y100 + 250
    expect((zero - y10) / (zero - y100)).toBeCloseTo(0.1, 2)
    expect((zero - y2) / (zero - y100)).toBeCloseTo(0.02, 2)
    expect((zero - y20) / (zero - y100)).toBeCloseTo(0.2, 2)
  })

  it('draws bars in proportion: memory against the isolate limit, cold start with its load inside', () => {
    const mem = memoryChart({
      ...base,
      memory: [
        { loaded: 'a', wasm_bytes: 32 * 2 ** 20, rss_bytes: null },
        { loaded: 'a+b', wasm_bytes: 64 * 2 ** 20, rss_bytes: null },
      ],
    })
    const [a = 0, ab = 0] = barWidths(mem)
    expect(ab / a).toBeCloseTo(2, 2)
    expect(mem).toContain('a + b')
    expect(mem).toContain('isolate limit, 128 MB')

    const cold = coldStartChart({
      ...base,
      cold_summary: [
        { model: 'warm', first_in_isolate: false, client: { ...summary(3), p50_ms: 40 }, server_load: { ...summary(3), p50_ms: 10 } },
        { model: 'fresh', first_in_isolate: true, client: { ...summary(2), p50_ms: 160 }, server_load: { ...summary(2), p50_ms: 100 } },
      ],
    })
    // The fresh isolate comes first; each row is the client bar, then its load bar.
    expect(cold.indexOf('fresh · fresh isolate')).toBeLessThan(cold.indexOf('warm · another model loaded first'))
    const [freshClient = 0, freshLoad = 0, warmClient = 0, warmLoad = 0] = barWidths(cold)
    expect(freshLoad / freshClient).toBeCloseTo(100 / 160, 2)
    expect(warmClient / freshClient).toBeCloseTo(40 / 160, 2)
    expect(warmLoad / warmClient).toBeCloseTo(10 / 40, 2)
  })

  it('escapes text and leaves out charts without data', () => {
    const svg = latencyChart({ ...base, summary: [cell('a<b&c', 'http', 'int8', 16, 1)] })
    assertWellFormed(svg)
    expect(svg).toContain('a&lt;b&amp;c')
    expect(renderCharts(base)).toEqual([])
  })

  it('picks round ticks that reach the maximum', () => {
    expect(ticks(100)).toEqual([0, 20, 40, 60, 80, 100])
    expect(ticks(123)).toEqual([0, 50, 100, 150])
    expect(ticks(0.7)).toEqual([0, 0.2, 0.4, 0.6, 0.8])
    expect(ticks(0)).toEqual([0, 1])
  })
})
