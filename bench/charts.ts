/**
 * SVG charts of one benchmark report (bench/results/latest.json): latency
 * against tokens per engine and model, the cold start, and the Wasm memory
 * of each set of loaded models. Pure: JSON in, SVG strings out, so
 * bench/test/charts.test.ts checks them; charts-cli.ts writes the files.
 *
 * Plain SVG: the charting libraries that render without a browser are
 * either large (Vega) or need a DOM or a canvas (Plot, Chart.js).
 */
import { DASHES, esc, GRID, line, linear, MUTED, num, PALETTE, svgDocument, text, tickLabel, ticks } from './charts-svg.ts'
import type { BenchReport, Method, Variant } from './report.ts'

/** What the charts read from a report. */
export type ChartInput = Pick<BenchReport, 'started_at' | 'machine' | 'summary' | 'cold_summary' | 'memory'>

export interface Chart {
  /** file name part: `<report>-<name>.svg` */
  name: 'latency' | 'cold-start' | 'memory'
  svg: string
}

/** The engines on the latency chart, in legend order. */
export const ENGINES: ReadonlyArray<{ method: Method; variant: Variant; label: string }> = [
  { method: 'http', variant: 'int8', label: 'HTTP through workerd (end to end)' },
  { method: 'workerd-run', variant: 'int8', label: 'session.run in workerd' },
  { method: 'ort-web', variant: 'int8', label: 'onnxruntime-web in Node' },
  { method: 'ort-node', variant: 'int8', label: 'onnxruntime-node, native' },
  { method: 'transformers-js', variant: 'q8-baseline', label: 'Transformers.js (q8 graph)' },
]

const MiB = 2 ** 20
/** Cloudflare's memory limit per isolate. */
const ISOLATE_LIMIT_MIB = 128

const ms = (x: number): string => `${Number.isInteger(x) || x >= 100 ? x.toFixed(0) : x.toFixed(1)} ms`

function subtitle(r: ChartInput, what: string): string {
  return `${what} · ${r.machine.cpu}, ${r.machine.cores} cores, shared · run of ${r.started_at.slice(0, 10)}`
}

/** Legend entries in rows that fit `width`, each a swatch (line or box) and its label; `bottom` is the last row's baseline. */
function legend(
  x0: number,
  y0: number,
  width: number,
  entries: Array<{ label: string; color: string; dash?: string; box?: boolean }>,
): { items: string[]; bottom: number } {
  const out: string[] = []
  let x = x0
  let y = y0
  for (const e of entries) {
    // Approximate width of a 12px system-ui label, on the wide side so entries never touch.
    const w = 34 + e.label.length * 7
    if (x + w > x0 + width && x > x0) {
      x = x0
      y += 20
    }
    out.push(
      e.box === true
        ? `<rect x="${num(x)}" y="${num(y - 9)}" width="20" height="10" fill="${e.color}"/>`
        : line(x, y - 4, x + 22, y - 4, e.color, `stroke-width="2.5"${e.dash ? ` stroke-dasharray="${e.dash}"` : ''}`),
      text(x + 28, y, e.label, { fill: MUTED }),
    )
    x += w + 14
  }
  return { items: out, bottom: y }
}

/** One panel per model: p50 latency (batch 1) against tokens, one line per engine. */
export function latencyChart(r: ChartInput): string {
  const cells = r.summary.filter((s) => s.batch === 1)
  const models = [...new Set(cells.map((s) => s.model))]
  const width = 960
  const key = legend(
    16,
    80,
    width - 32,
    ENGINES.map((e, i) => ({ label: e.label, color: PALETTE[i] ?? '#000', dash: DASHES[i] ?? '' })),
  )
  const top = key.bottom + 46
  const bottom = top + 250
  const height = bottom + 58
  const panelW = (width - 32) / Math.max(1, models.length)
  const body: string[] = [
    text(16, 30, 'Latency against sequence length', { size: 18, weight: 'bold' }),
    text(16, 52, subtitle(r, 'p50 of warm runs, batch 1, int8 unless marked'), { fill: MUTED }),
    ...key.items,
  ]
  models.forEach((model, p) => {
    const left = 16 + p * panelW + 46
    const right = 16 + (p + 1) * panelW - 14
    const series = ENGINES.map((e) =>
      cells.filter((s) => s.model === model && s.method === e.method && s.variant === e.variant).sort((a, b) => a.seq - b.seq),
    )
    const seqs = [...new Set(cells.filter((s) => s.model === model).map((s) => s.seq))].sort((a, b) => a - b)
    const yTicks = ticks(Math.max(...series.flat().map((s) => s.p50_ms), 1))
    const x = linear(0, Math.max(...seqs, 1), left, right)
    const y = linear(0, yTicks.at(-1) ?? 1, bottom, top)
    body.push(text((left + right) / 2, top - 12, model, { size: 13, weight: 'bold', anchor: 'middle' }))
    for (const t of yTicks) {
      body.push(line(left, y(t), right, y(t), GRID), text(left - 6, y(t) + 4, tickLabel(t), { anchor: 'end', fill: MUTED, size: 11 }))
    }
    for (const s of seqs) body.push(text(x(s), bottom + 16, String(s), { anchor: 'middle', fill: MUTED, size: 11 }))
    body.push(line(left, bottom, right, bottom, MUTED))
    body.push(text((left + right) / 2, bottom + 34, 'tokens per input', { anchor: 'middle', fill: MUTED, size: 11 }))
    if (p === 0) body.push(text(left - 36, (top + bottom) / 2, 'ms', { anchor: 'middle', fill: MUTED, size: 11, rotate: -90 }))
    series.forEach((points, i) => {
      if (points.length === 0) return
      const color = PALETTE[i] ?? '#000'
      const dash = DASHES[i] ?? ''
      const path = points.map((s) => `${num(x(s.seq))},${num(y(s.p50_ms))}`).join(' ')
      body.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`)
      for (const s of points) {
        const tip = `${model}, ${ENGINES[i]?.label ?? ''}, ${s.seq} tokens: ${ms(s.p50_ms)} p50, ${ms(s.p95_ms)} p95`
        body.push(`<circle cx="${num(x(s.seq))}" cy="${num(y(s.p50_ms))}" r="3" fill="${color}"><title>${esc(tip)}</title></circle>`)
      }
    })
  })
  const description = `p50 latency in milliseconds against tokens per input for ${models.join(', ')}, one line per engine: ${ENGINES.map((e) => e.label).join('; ')}.`
  return svgDocument(width, height, 'Latency against sequence length', description, body)
}

/** Horizontal bars with a label column; `bars` draws each row's bars and value text. */
function barChart(
  title: string,
  sub: string,
  description: string,
  rows: string[],
  max: number,
  legendEntries: Array<{ label: string; color: string; box?: boolean; dash?: string }>,
  bars: (row: number, x: (v: number) => number, y: number, h: number) => string[],
  axisLabel: string,
): string {
  const width = 860
  const labelW = 300
  const rowH = 30
  const key = legend(16, 80, width - 32, legendEntries)
  const top = key.bottom + 20
  const bottom = top + rows.length * rowH
  const height = bottom + 56
  const xTicks = ticks(max)
  const x = linear(0, xTicks.at(-1) ?? 1, labelW, width - 110)
  const body: string[] = [text(16, 30, title, { size: 18, weight: 'bold' }), text(16, 52, sub, { fill: MUTED }), ...key.items]
  for (const t of xTicks)
    body.push(line(x(t), top - 6, x(t), bottom, GRID), text(x(t), bottom + 16, tickLabel(t), { anchor: 'middle', fill: MUTED, size: 11 }))
  body.push(text((x(0) + x(xTicks.at(-1) ?? 1)) / 2, bottom + 36, axisLabel, { anchor: 'middle', fill: MUTED, size: 11 }))
  rows.forEach((label, i) => {
    const y = top + i * rowH
    body.push(text(labelW - 10, y + rowH / 2 + 4, label, { anchor: 'end' }), ...bars(i, x, y + 6, rowH - 12))
  })
  body.push(line(x(0), top - 6, x(0), bottom, MUTED))
  return svgDocument(width, height, title, description, body)
}

/** First classify request per model: client time, with Server-Timing `load` drawn inside it. */
export function coldStartChart(r: ChartInput): string {
  const rows = [...r.cold_summary].sort((a, b) => Number(b.first_in_isolate) - Number(a.first_in_isolate))
  const labels = rows.map((c) => `${c.model} · ${c.first_in_isolate ? 'fresh isolate' : 'another model loaded first'}`)
  const max = Math.max(...rows.map((c) => c.client.p50_ms), 1)
  const [dark, light] = [PALETTE[0], PALETTE[5]]
  return barChart(
    'Cold start: the first request for a model',
    subtitle(r, 'p50, client-timed, 1 input of 16 tokens'),
    `First classify request per model, in milliseconds: ${rows.map((c, i) => `${labels[i]}: ${ms(c.client.p50_ms)}, of which model load ${ms(c.server_load.p50_ms)}`).join('; ')}.`,
    labels,
    max,
    [
      { label: 'model load (Server-Timing: R2 and KV reads, sha256, session creation)', color: dark, box: true },
      { label: 'rest of the request (first run, HTTP)', color: light, box: true },
    ],
    (i, x, y, h) => {
      const c = rows[i]
      if (c === undefined) return []
      const load = c.server_load.n > 0 ? c.server_load.p50_ms : 0
      return [
        `<rect x="${num(x(0))}" y="${num(y)}" width="${num(x(c.client.p50_ms) - x(0))}" height="${num(h)}" fill="${light}"/>`,
        `<rect x="${num(x(0))}" y="${num(y)}" width="${num(x(load) - x(0))}" height="${num(h)}" fill="${dark}"/>`,
        text(x(c.client.p50_ms) + 6, y + h / 2 + 4, `${ms(c.client.p50_ms)} (load ${ms(load)})`, { size: 11, fill: MUTED }),
      ]
    },
    'milliseconds',
  )
}

/** onnxruntime-web's Wasm memory after each set of models was loaded, against the isolate's limit. */
export function memoryChart(r: ChartInput): string {
  const labels = r.memory.map((m) => m.loaded.split('+').join(' + '))
  const values = r.memory.map((m) => m.wasm_bytes / MiB)
  const limitColor = PALETTE[1] ?? '#D55E00'
  return barChart(
    'Wasm memory by the models loaded',
    subtitle(r, 'onnxruntime-web linear memory in one workerd isolate, int8 models, in load order'),
    `Wasm memory in MiB: ${labels.map((l, i) => `${l}: ${(values[i] ?? 0).toFixed(1)}`).join('; ')}; the isolate limit is ${ISOLATE_LIMIT_MIB} MB.`,
    labels,
    Math.max(ISOLATE_LIMIT_MIB, ...values),
    [
      { label: 'Wasm memory (grows, never shrinks)', color: PALETTE[0] ?? '#0072B2', box: true },
      { label: `isolate limit, ${ISOLATE_LIMIT_MIB} MB`, color: limitColor, dash: '6 3' },
    ],
    (i, x, y, h) => {
      const v = values[i] ?? 0
      const out = [
        `<rect x="${num(x(0))}" y="${num(y)}" width="${num(x(v) - x(0))}" height="${num(h)}" fill="${PALETTE[0] ?? '#0072B2'}"/>`,
        text(x(v) + 6, y + h / 2 + 4, `${v.toFixed(1)} MiB`, { size: 11, fill: MUTED }),
      ]
      // The limit line, drawn per row so that it spans exactly the bars.
      out.push(line(x(ISOLATE_LIMIT_MIB), y - 6, x(ISOLATE_LIMIT_MIB), y + h + 6, limitColor, 'stroke-width="2" stroke-dasharray="6 3"'))
      return out
    },
    'MiB',
  )
}

/** Every chart a report has data for. */
export function renderCharts(r: ChartInput): Chart[] {
  const charts: Chart[] = []
  if (r.summary.some((s) => s.batch === 1)) charts.push({ name: 'latency', svg: latencyChart(r) })
  if (r.cold_summary.length > 0) charts.push({ name: 'cold-start', svg: coldStartChart(r) })
  if (r.memory.length > 0) charts.push({ name: 'memory', svg: memoryChart(r) })
  return charts
}
