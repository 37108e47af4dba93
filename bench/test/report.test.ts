import { describe, expect, it } from 'vitest'
import { buildReport, type BenchInput } from '../report.ts'
import { percentile, settled, summarize, warmUntilSettled } from '../stats.ts'

const input: BenchInput = {
  started_at: '2026-01-01T00:00:00.000Z',
  duration_s: 42,
  options: { quick: true },
  machine: {
    cpu: 'Test CPU',
    cores: 2,
    memory_gib: 8,
    os: 'linux',
    node: 'v22.0.0',
    load_avg: [1.5, 2.25],
    versions: { 'onnxruntime-web': '1.30.0' },
  },
  latency: [
    { model: 'electra-small', method: 'http', variant: 'int8', batch: 1, seq: 16, samples_ms: [12, 10, 11, 30] },
    { model: 'electra-small', method: 'workerd-run', variant: 'int8', batch: 1, seq: 16, samples_ms: [8, 8, 8] },
    { model: 'electra-small', method: 'http-floor', variant: 'int8', batch: 1, seq: 16, samples_ms: [3, 4, 3] },
    { model: 'electra-small', method: 'workerd-run-unchecked', variant: 'int8', batch: 1, seq: 16, samples_ms: [6, 6] },
    { model: 'electra-small', method: 'ort-web', variant: 'int8', batch: 1, seq: 16, samples_ms: [5, 6, 4] },
    { model: 'electra-small', method: 'ort-web', variant: 'q8-baseline', batch: 1, seq: 16, samples_ms: [10, 10] },
    { model: 'electra-small', method: 'ort-node', variant: 'int8', batch: 1, seq: 16, samples_ms: [2.5] },
    { model: 'electra-small', method: 'ort-web', variant: 'int8', batch: 8, seq: 64, samples_ms: [40] },
    { model: 'electra-small', method: 'transformers-js', variant: 'q8-baseline', batch: 8, seq: 64, samples_ms: [] },
  ],
  cold: [
    { model: 'electra-small', first_in_isolate: true, client_ms: 300, server_load_ms: 250 },
    { model: 'electra-small', first_in_isolate: true, client_ms: 200, server_load_ms: null },
  ],
  memory: [{ loaded: 'electra-small', wasm_bytes: 40 * 2 ** 20, rss_bytes: null }],
  sizes: [
    {
      model: 'electra-small',
      fp32_onnx_bytes: 2 ** 20,
      int8_onnx_bytes: 2 ** 19,
      q8_baseline_onnx_bytes: 2 ** 19,
      tokenizer_json_bytes: 1000,
      tokenizer_kv_bytes: 500,
    },
  ],
  tokenizers: [{ model: 'electra-small', load_ms_median: 1.5 }],
  notes: ['a note'],
}

describe('stats', () => {
  it('takes nearest-rank percentiles of unsorted samples', () => {
    expect(percentile([3, 1, 2, 4], 50)).toBe(2)
    expect(percentile([3, 1, 2, 4], 95)).toBe(4)
    expect(percentile([7], 95)).toBe(7)
    expect(percentile([], 50)).toBeNaN()
    expect(summarize([1, 2, 3, 4, 100])).toEqual({ n: 5, p50_ms: 3, p95_ms: 100, min_ms: 1, max_ms: 100 })
  })
})

describe('buildReport', () => {
  const { json, markdown } = buildReport(input)

  it('lists each model family with its footprint and latency, and leaves the section out without rows', () => {
    const row = {
      family: 'MiniLM',
      shape: 'nreimers/MiniLM-L6-H384-uncased',
      preset: 'minilm-l6-h384',
      file_mib: 22,
      wasm_loaded_mib: 77.1,
      load_peak_mib: 99.1,
      wasm_1x128_mib: 78,
      wasm_8x128_mib: 90,
      warm_1x128_ms: 49.3,
    }
    const withFamilies = buildReport({ ...input, families: [row] }).markdown
    expect(withFamilies).toContain('## Model families at their popular sizes')
    expect(withFamilies).toContain(
      '| MiniLM | nreimers/MiniLM-L6-H384-uncased (`minilm-l6-h384`) | 22 MiB | 77.1 MiB | 99.1 MiB | 78 MiB | 90 MiB | 49.3 ms |',
    )
    expect(markdown).not.toContain('Model families')
  })

  it('summarizes every cell with samples and drops empty ones', () => {
    expect(json.summary).toHaveLength(8)
    const http = json.summary.find((s) => s.method === 'http')
    expect(http).toMatchObject({ n: 4, p50_ms: 11, p95_ms: 30, min_ms: 10, max_ms: 30, batch: 1, seq: 16 })
    expect(json.summary.some((s) => s.method === 'transformers-js')).toBe(false)
    expect(json.latency).toEqual(input.latency)
  })

  it('divides p50s of the same model and shape only', () => {
    const ratio = (name: string, shape = '1x16') => json.ratios.find((r) => r.name === name && r.shape === shape)?.value
    expect(ratio('http_over_workerd_run')).toBe(1.38) // 11 / 8
    expect(ratio('workerd_run_over_node_web')).toBe(1.6) // 8 / 5
    expect(ratio('baseline_over_ours')).toBe(2) // 10 / 5
    expect(ratio('web_over_node')).toBe(2) // 5 / 2.5
    expect(ratio('http_app_over_workerd_run')).toBe(1) // (11 - 3) / 8
    expect(ratio('bounds_checks_cost')).toBe(1.33) // 8 / 6
    expect(ratio('workerd_unchecked_over_node_web')).toBe(1.2) // 6 / 5
    expect(ratio('http_over_workerd_run', '8x64')).toBeUndefined()
    expect(ratio('tjs_q8_over_ours', '8x64')).toBeUndefined()
    expect(json.ratios.every((r) => Number.isFinite(r.value))).toBe(true)
  })

  it('summarizes cold starts, skipping missing Server-Timing values', () => {
    expect(json.cold_summary).toEqual([
      {
        model: 'electra-small',
        first_in_isolate: true,
        client: { n: 2, p50_ms: 200, p95_ms: 300, min_ms: 200, max_ms: 300 },
        server_load: { n: 1, p50_ms: 250, p95_ms: 250, min_ms: 250, max_ms: 250 },
      },
    ])
  })

  it('writes markdown tables whose rows match their headers', () => {
    expect(markdown).toContain('Test CPU, 2 cores')
    expect(markdown).toContain('1.50–2.25')
    expect(markdown).toContain('## electra-small')
    expect(markdown).toContain('| HTTP via workerd (client) | int8 | 11.0 / 30.0 | – |')
    expect(markdown).toContain('| electra-small | 1.0 | 0.5 | 0.5 |')
    expect(markdown).toContain('- a note')
    for (const block of markdown.split('\n\n')) {
      const lines = block.split('\n').filter((l) => l.startsWith('|'))
      if (lines.length === 0) continue
      const cells = (l: string) => l.split(' | ').length
      expect(lines[1]).toMatch(/^\|(---\|)+$/)
      for (const line of lines) expect(line.startsWith('|---') ? line.split('|').length - 2 : cells(line)).toBe(cells(lines[0] ?? ''))
    }
  })
})

describe('warm-up', () => {
  it('is settled only when the last window of runs matches the one before', () => {
    const falling = [40, 38, 35, 30, 26, 22, 18, 15, 12, 10, 8, 7, 6.5, 6.2, 6.1, 6.0]
    expect(settled(falling, 4)).toBe(false)
    expect(settled([...falling, 6.0, 6.1, 5.9, 6.0], 4)).toBe(true)
    expect(settled([6, 6, 6], 4)).toBe(false) // too few runs to tell
  })

  it('runs at least minMs and stops once settled, or at maxMs', async () => {
    let n = 0
    const flat = await warmUntilSettled(
      async () => {
        n++
        return 5
      },
      0,
      1000,
    )
    expect(flat.runs).toBe(16) // two windows of 8 equal durations
    expect(n).toBe(16)
    let k = 0
    // Each run takes >= 1 ms, so at most ~30 runs fit: 100/k is still falling by a third per window.
    const never = await warmUntilSettled(
      async () => {
        await new Promise((r) => setTimeout(r, 1))
        return 100 / ++k
      },
      0,
      30,
    )
    expect(never.ms).toBeGreaterThanOrEqual(30) // durations keep falling: capped by maxMs
  })
})
