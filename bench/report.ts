/**
 * Turns the raw samples of one benchmark run into the committed report: a JSON
 * document (samples kept, summaries and ratios added) and a markdown page.
 * Pure: no clock, no I/O, so bench/test/report.test.ts can check it.
 */
import type { BatchCell, BatchCheck, BatchMethod } from './runners/batches.ts'
import { summarize, type Summary } from './stats.ts'

/** Where a latency was measured. */
export type Method =
  /** client-timed POST /v1/models/{id}/classify through wrangler dev (workerd) */
  | 'http'
  /** client-timed GET /healthz through the same wrangler dev: the local transport floor (wrangler's proxy, loopback) */
  | 'http-floor'
  /** `session.run` timed inside workerd (bench Worker route, many runs per sample) */
  | 'workerd-run'
  /** the same with V8's `--no-wasm-bounds-checks` (a diagnostic: unsafe, never for serving) */
  | 'workerd-run-unchecked'
  /** onnxruntime-web `session.run` in Node (wasm, SIMD, 1 thread) */
  | 'ort-web'
  /** onnxruntime-node native CPU, 1 intra-op thread */
  | 'ort-node'
  /** Transformers.js text-classification pipeline with onnxruntime-web (wasm, 1 thread) */
  | 'transformers-js'
  /** the same, on the plain (non-asyncify) SIMD build of its onnxruntime-web */
  | 'transformers-js-plain'

/** Which graph: the pipeline's int8, the quantize_dynamic-style q8 baseline, or fp32. */
export type Variant = 'int8' | 'q8-baseline' | 'fp32'

export interface LatencyCell {
  model: string
  method: Method
  variant: Variant
  batch: number
  /** tokens per sequence, special tokens included */
  seq: number
  samples_ms: number[]
}

export interface ColdSample {
  model: string
  /** the first model a fresh isolate loads (its first session.run compiles much of the Wasm) */
  first_in_isolate: boolean
  /** client time of the first classify request */
  client_ms: number
  /** Server-Timing `load` (R2 + KV reads, tokenizer parse, session creation) */
  server_load_ms: number | null
}

export interface MemorySample {
  /** models loaded in the isolate at this point, e.g. "electra-small" or "electra-small+albert-base-v2" */
  loaded: string
  /** ORT's Wasm linear memory */
  wasm_bytes: number
  /** workerd process resident set (whole process, not only the isolate); null when unknown */
  rss_bytes: number | null
}

export interface SizeRow {
  model: string
  fp32_onnx_bytes: number
  int8_onnx_bytes: number
  q8_baseline_onnx_bytes: number
  tokenizer_json_bytes: number
  /** compiled tokenizer as stored in KV */
  tokenizer_kv_bytes: number
}

export interface Machine {
  cpu: string
  cores: number
  memory_gib: number
  os: string
  node: string
  /** the CPU's int8 dot-product instructions (bench/cpu.ts): native onnxruntime's int8 rows depend on them */
  int8_isa?: string
  /** 1-minute load average sampled through the run */
  load_avg: number[]
  versions: Record<string, string>
}

/** One family's served int8 model, in a fresh process: sizes in MiB, latency in ms. */
export interface FamilyRow {
  family: string
  shape: string
  preset: string
  file_mib: number
  wasm_loaded_mib: number
  load_peak_mib: number
  wasm_1x128_mib: number
  wasm_8x128_mib: number
  warm_1x128_ms: number
}

export interface BenchInput {
  started_at: string
  duration_s: number
  options: Record<string, unknown>
  machine: Machine
  latency: LatencyCell[]
  cold: ColdSample[]
  memory: MemorySample[]
  sizes: SizeRow[]
  /** rows from bench/tokenizers.ts */
  tokenizers: Array<Record<string, number | string>>
  /** mixed-length corpus batches (bench/runners/batches.ts): timings and answer checks */
  batches?: { cells: BatchCell[]; checks: BatchCheck[] }
  /** each model family at its popular size (bench/families.ts) */
  families?: FamilyRow[]
  notes: string[]
}

export interface Ratio {
  model: string
  shape: string
  name: RatioName
  value: number
}

type Cell = readonly [Method, Variant]

/**
 * Each ratio divides two p50s of the same model and shape, from the same run;
 * `minus` subtracts a third p50 from the numerator first.
 */
export const RATIOS = {
  http_over_workerd_run: {
    num: ['http', 'int8'],
    den: ['workerd-run', 'int8'],
    says: 'HTTP end to end / session.run inside workerd (target <= 1.15)',
  },
  http_app_over_workerd_run: {
    num: ['http', 'int8'],
    minus: ['http-floor', 'int8'],
    den: ['workerd-run', 'int8'],
    says: "(HTTP end to end − GET /healthz round trip) / session.run inside workerd: the app's own overhead, without wrangler dev's local proxy",
  },
  workerd_run_over_node_web: {
    num: ['workerd-run', 'int8'],
    den: ['ort-web', 'int8'],
    says: 'session.run in workerd / same ORT-web build in Node',
  },
  bounds_checks_cost: {
    num: ['workerd-run', 'int8'],
    den: ['workerd-run-unchecked', 'int8'],
    says: 'session.run in workerd / the same with --no-wasm-bounds-checks (workerd enables no Wasm trap handler, so V8 checks every memory access)',
  },
  workerd_unchecked_over_node_web: {
    num: ['workerd-run-unchecked', 'int8'],
    den: ['ort-web', 'int8'],
    says: 'session.run in workerd with --no-wasm-bounds-checks / ORT-web in Node (what remains of the gap)',
  },
  baseline_over_ours: {
    num: ['ort-web', 'q8-baseline'],
    den: ['ort-web', 'int8'],
    says: 'quantize_dynamic-style q8 / our int8, ORT-web (target >= 1.5)',
  },
  tjs_q8_over_ours: {
    num: ['transformers-js', 'q8-baseline'],
    den: ['ort-web', 'int8'],
    says: 'Transformers.js pipeline on its q8 graph / our int8 session.run, ORT-web (target >= 1.5)',
  },
  tjs_q8_over_http: {
    num: ['transformers-js', 'q8-baseline'],
    den: ['http', 'int8'],
    says: 'Transformers.js pipeline (q8, Node) / our HTTP end to end (workerd)',
  },
  tjs_plain_q8_over_ours: {
    num: ['transformers-js-plain', 'q8-baseline'],
    den: ['ort-web', 'int8'],
    says: 'Transformers.js pipeline on its q8 graph, plain ORT build / our int8 session.run',
  },
  tjs_int8_over_ours: {
    num: ['transformers-js', 'int8'],
    den: ['ort-web', 'int8'],
    says: 'Transformers.js pipeline on our int8 graph / our session.run (pipeline + ORT build overhead)',
  },
  web_over_node: {
    num: ['ort-web', 'int8'],
    den: ['ort-node', 'int8'],
    says: 'ORT-web wasm / ORT native, int8 (distance to the native limit)',
  },
  fp32_over_int8: { num: ['ort-web', 'fp32'], den: ['ort-web', 'int8'], says: 'fp32 / int8, ORT-web' },
} as const satisfies Record<string, { num: Cell; den: Cell; minus?: Cell; says: string }>

export type RatioName = keyof typeof RATIOS

export interface LatencySummary extends Summary {
  model: string
  method: Method
  variant: Variant
  batch: number
  seq: number
}

/** One corpus batch: p50 per method and the ratios docs/benchmarks.md reports. */
export interface BatchSummary {
  model: string
  distribution: string
  size: number
  p50_ms: Partial<Record<BatchMethod, number>>
  /** planned / no-padding limit (target <= 1.05), Transformers.js / planned, unsorted / planned, HTTP / planned (p50 over p50) */
  ratios: Partial<
    Record<'planned_over_singles' | 'tjs_q8_over_planned' | 'tjs_int8_over_planned' | 'unsorted_over_planned' | 'http_over_planned', number>
  >
}

export interface BenchReport extends BenchInput {
  summary: LatencySummary[]
  batch_summary?: BatchSummary[]
  ratios: Ratio[]
  cold_summary: Array<{ model: string; first_in_isolate: boolean; client: Summary; server_load: Summary }>
}

const shapeOf = (c: { batch: number; seq: number }): string => `${c.batch}x${c.seq}`
const round = (x: number, digits: number): number => Number(x.toFixed(digits))

/** Summaries, ratios and markdown for one run. Cells without samples are left out of summaries. */
export function buildReport(input: BenchInput): { json: BenchReport; markdown: string } {
  const summary: LatencySummary[] = input.latency
    .filter((c) => c.samples_ms.length > 0)
    .map((c) => ({ model: c.model, method: c.method, variant: c.variant, batch: c.batch, seq: c.seq, ...summarize(c.samples_ms) }))
  const ratios = computeRatios(summary)
  const coldKeys = [...new Set(input.cold.map((c) => `${c.model}\u0000${c.first_in_isolate}`))]
  const cold_summary = coldKeys.map((key) => {
    const rows = input.cold.filter((c) => `${c.model}\u0000${c.first_in_isolate}` === key)
    const first = rows[0]
    return {
      model: first?.model ?? '',
      first_in_isolate: first?.first_in_isolate ?? false,
      client: summarize(rows.map((r) => r.client_ms)),
      server_load: summarize(rows.flatMap((r) => (r.server_load_ms === null ? [] : [r.server_load_ms]))),
    }
  })
  const json: BenchReport = { ...input, summary, ratios, cold_summary }
  if (input.batches !== undefined) json.batch_summary = summarizeBatches(input.batches.cells)
  return { json, markdown: renderMarkdown(json) }
}

function computeRatios(summary: LatencySummary[]): Ratio[] {
  const p50 = new Map(summary.map((s) => [`${s.model}|${s.method}|${s.variant}|${shapeOf(s)}`, s.p50_ms]))
  const out: Ratio[] = []
  const cells = [...new Set(summary.map((s) => `${s.model}|${shapeOf(s)}`))]
  for (const cell of cells) {
    const [model = '', shape = ''] = cell.split('|')
    const at = (c: Cell): number | undefined => p50.get(`${model}|${c[0]}|${c[1]}|${shape}`)
    for (const [name, r] of Object.entries(RATIOS) as Array<[RatioName, { num: Cell; den: Cell; minus?: Cell }]>) {
      const num = at(r.num)
      const den = at(r.den)
      const minus = r.minus === undefined ? 0 : at(r.minus)
      if (num === undefined || den === undefined || minus === undefined || !(den > 0)) continue
      out.push({ model, shape, name, value: round((num - minus) / den, 2) })
    }
  }
  return out
}

function summarizeBatches(cells: readonly BatchCell[]): BatchSummary[] {
  const keys = [...new Set(cells.map((c) => `${c.model}|${c.distribution}|${c.size}`))]
  return keys.map((key) => {
    const mine = cells.filter((c) => `${c.model}|${c.distribution}|${c.size}` === key && c.samples_ms.length > 0)
    const p50_ms: BatchSummary['p50_ms'] = Object.fromEntries(mine.map((c) => [c.method, summarize(c.samples_ms).p50_ms]))
    const over = (num: BatchMethod, den: BatchMethod): number | undefined => {
      const a = p50_ms[num]
      const b = p50_ms[den]
      return a === undefined || b === undefined || !(b > 0) ? undefined : round(a / b, 3)
    }
    const ratios: BatchSummary['ratios'] = {}
    const pairs = [
      ['planned_over_singles', 'planned', 'singles'],
      ['tjs_q8_over_planned', 'transformers-js', 'planned'],
      ['tjs_int8_over_planned', 'transformers-js-int8', 'planned'],
      ['unsorted_over_planned', 'unsorted', 'planned'],
      ['http_over_planned', 'http', 'planned'],
    ] as const
    for (const [name, num, den] of pairs) {
      const v = over(num, den)
      if (v !== undefined) ratios[name] = v
    }
    const [model = '', distribution = '', size = '0'] = key.split('|')
    return { model, distribution, size: Number(size), p50_ms, ratios }
  })
}

function renderBatches(r: BenchReport): string[] {
  const rows = r.batch_summary ?? []
  if (rows.length === 0) return []
  const checks = r.batches?.checks ?? []
  const ms = (x: number | undefined): string => (x === undefined ? '–' : fmt(x))
  const ratio = (x: number | undefined): string => (x === undefined ? '–' : x.toFixed(2))
  const out = ['## Mixed-length batches from the corpus', '']
  out.push(
    'Spam test-split emails (bench/corpus.ts), 256 tokens at most: `bodies` = email bodies, `mixed` = their subject lines and bodies shuffled together. ' +
      "p50 ms of the whole batch. planned = our length-planned `session.run`s in Node (the Worker's classifier code, pre-tokenized); " +
      'singles = every input alone (no padding: the limit); unsorted = request-order padded runs (the plan before); ' +
      'Transformers.js = one pipeline call on the batch (tokenizer included, its own padding), asyncify ORT build. Target: planned / singles <= 1.05.',
    '',
  )
  out.push(
    table(
      [
        'model',
        'batch',
        'tokens (padded: unsorted → planned)',
        'runs (unsorted → planned)',
        'HTTP',
        'planned',
        'singles',
        'unsorted',
        'Transformers.js q8',
        'Transformers.js on our int8',
        'planned / singles',
        'Transformers.js q8 / planned',
        'Transformers.js int8 / planned',
        'unsorted / planned',
        'HTTP / planned',
      ],
      rows.map((b) => {
        const c = checks.find((x) => x.model === b.model && x.distribution === b.distribution && x.size === b.size)
        return [
          b.model,
          `${b.distribution} x${b.size}`,
          c ? `${c.tokens} (${c.padded_unsorted} → ${c.padded_planned})` : '–',
          c ? `${c.runs_unsorted} → ${c.runs_planned}` : '–',
          ms(b.p50_ms.http),
          ms(b.p50_ms.planned),
          ms(b.p50_ms.singles),
          ms(b.p50_ms.unsorted),
          ms(b.p50_ms['transformers-js']),
          ms(b.p50_ms['transformers-js-int8']),
          ratio(b.ratios.planned_over_singles),
          ratio(b.ratios.tjs_q8_over_planned),
          ratio(b.ratios.tjs_int8_over_planned),
          ratio(b.ratios.unsorted_over_planned),
          ratio(b.ratios.http_over_planned),
        ]
      }),
    ),
    '',
  )
  if (checks.length > 0) {
    out.push(
      'Answers of the planned runs (labels: the same top label for every input; Δ: the largest absolute score difference over every label):',
      '',
    )
    out.push(
      table(
        ['model', 'batch', 'vs unsorted: labels, Δ', 'vs singles: labels, Δ', 'vs the Worker over HTTP: labels, Δ'],
        checks.map((c) => [
          c.model,
          `${c.distribution} x${c.size}`,
          `${c.same_labels_as_unsorted ? 'identical' : 'DIFFER'}, ${c.max_diff_vs_unsorted.toExponential(1)}`,
          `${c.same_labels_as_singles ? 'identical' : 'DIFFER'}, ${c.max_diff_vs_singles.toExponential(1)}`,
          c.same_labels_as_http === undefined
            ? '–'
            : `${c.same_labels_as_http ? 'identical' : 'DIFFER'}, ${(c.max_diff_vs_http ?? Number.NaN).toExponential(1)}`,
        ]),
      ),
      '',
    )
  }
  return out
}

const METHOD_LABEL: Record<Method, string> = {
  http: 'HTTP via workerd (client)',
  'http-floor': 'GET /healthz via the same wrangler dev (transport floor)',
  'workerd-run': 'session.run in workerd',
  'workerd-run-unchecked': 'session.run in workerd, --no-wasm-bounds-checks (diagnostic)',
  'ort-web': 'ORT-web in Node',
  'ort-node': 'ORT native (1 thread)',
  'transformers-js': 'Transformers.js pipeline (its default asyncify ORT build)',
  'transformers-js-plain': 'Transformers.js pipeline (plain ORT build)',
}

const MiB = (bytes: number): string => (bytes / 2 ** 20).toFixed(1)
const fmt = (x: number): string => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '–')

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
}

function renderMarkdown(r: BenchReport): string {
  const out: string[] = []
  const m = r.machine
  const loads = m.load_avg.length > 0 ? `${Math.min(...m.load_avg).toFixed(2)}–${Math.max(...m.load_avg).toFixed(2)}` : 'unknown'
  out.push(`# edge-classify benchmark — ${r.started_at}`, '')
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memory_gib} GiB, ${m.os}; Node ${m.node}; int8 instructions: ${m.int8_isa ?? 'not recorded'}. ` +
      `1-minute load average during the run: ${loads} (other processes shared the CPU). Run took ${Math.round(r.duration_s)} s.`,
  )
  out.push(
    `Versions: ${Object.entries(m.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
  )
  out.push(
    'Latencies in ms, `p50 / p95` over warm runs; shapes are batch x tokens (special tokens included). Which models carry seeded random weights and which trained ones: see Notes.',
    '',
  )

  const models = [...new Set(r.summary.map((s) => s.model))]
  const shapes = [...new Set(r.summary.map(shapeOf))]
  for (const model of models) {
    out.push(`## ${model}`, '')
    const rows = r.summary.filter((s) => s.model === model)
    const keys = [...new Set(rows.map((s) => `${s.method}|${s.variant}`))]
    out.push(
      table(
        ['where', 'graph', ...shapes],
        keys.map((key) => {
          const [method, variant] = key.split('|') as [Method, Variant]
          return [
            // Native int8 differs in speed and exactness across CPUs: the row names this one's instructions.
            method === 'ort-node' && variant !== 'fp32' && m.int8_isa !== undefined
              ? `${METHOD_LABEL[method]}, ${m.int8_isa}`
              : METHOD_LABEL[method],
            variant,
            ...shapes.map((shape) => {
              const s = rows.find((x) => x.method === method && x.variant === variant && shapeOf(x) === shape)
              return s ? `${fmt(s.p50_ms)} / ${fmt(s.p95_ms)}` : '–'
            }),
          ]
        }),
      ),
      '',
    )
  }

  if (r.ratios.length > 0) {
    out.push('## Ratios (p50 / p50, same run)', '')
    const cols = [...new Set(r.ratios.map((x) => `${x.model} ${x.shape}`))]
    const names = (Object.keys(RATIOS) as RatioName[]).filter((n) => r.ratios.some((x) => x.name === n))
    out.push(
      table(
        ['ratio', ...cols],
        names.map((n) => [
          `${n}: ${RATIOS[n].says}`,
          ...cols.map((c) => {
            const x = r.ratios.find((y) => y.name === n && `${y.model} ${y.shape}` === c)
            return x ? x.value.toFixed(2) : '–'
          }),
        ]),
      ),
      '',
    )
  }

  out.push(...renderBatches(r))

  if (r.cold_summary.length > 0) {
    out.push('## Cold start (first classify request, 1x16 tokens)', '')
    out.push(
      table(
        ['model', 'first model in a fresh isolate', 'n', 'client p50 / max', 'Server-Timing load p50 / max'],
        r.cold_summary.map((c) => [
          c.model,
          c.first_in_isolate ? 'yes (fresh isolate)' : 'no (another model, warm isolate)',
          String(c.client.n),
          `${fmt(c.client.p50_ms)} / ${fmt(c.client.max_ms)}`,
          c.server_load.n > 0 ? `${fmt(c.server_load.p50_ms)} / ${fmt(c.server_load.max_ms)}` : '–',
        ]),
      ),
      '',
    )
  }

  if (r.memory.length > 0) {
    out.push('## Isolate memory in workerd', '')
    out.push(
      table(
        ['models loaded', 'ORT Wasm memory (MiB)', 'workerd process RSS (MiB)'],
        r.memory.map((x) => [x.loaded, MiB(x.wasm_bytes), x.rss_bytes === null ? '–' : MiB(x.rss_bytes)]),
      ),
      '',
    )
  }

  if (r.sizes.length > 0) {
    out.push('## Artifact sizes (MiB)', '')
    out.push(
      table(
        ['model', 'fp32 ONNX', 'int8 ONNX (ours)', 'q8 baseline ONNX', 'tokenizer.json', 'tokenizer in KV'],
        r.sizes.map((s) => [
          s.model,
          MiB(s.fp32_onnx_bytes),
          MiB(s.int8_onnx_bytes),
          MiB(s.q8_baseline_onnx_bytes),
          MiB(s.tokenizer_json_bytes),
          MiB(s.tokenizer_kv_bytes),
        ]),
      ),
      '',
    )
  }

  if (r.families !== undefined && r.families.length > 0) {
    out.push('## Model families at their popular sizes (onnxruntime-web in Node, a fresh process each; bench/families.ts)', '')
    out.push(
      table(
        [
          'family',
          'shape (preset)',
          'int8 file',
          'Wasm after load',
          'load peak (JS bytes + Wasm)',
          'Wasm after 1×128',
          'after 8×128',
          'warm 1×128',
        ],
        r.families.map((f) => [
          f.family,
          `${f.shape} (\`${f.preset}\`)`,
          `${f.file_mib} MiB`,
          `${f.wasm_loaded_mib} MiB`,
          `${f.load_peak_mib} MiB`,
          `${f.wasm_1x128_mib} MiB`,
          `${f.wasm_8x128_mib} MiB`,
          `${f.warm_1x128_ms} ms`,
        ]),
      ),
      '',
    )
  }

  if (r.tokenizers.length > 0) {
    out.push('## Tokenizers (Node, bench/tokenizers.ts)', '')
    const keys = [...new Set(r.tokenizers.flatMap((t) => Object.keys(t)))]
    out.push(
      table(
        keys,
        r.tokenizers.map((t) => keys.map((k) => String(t[k] ?? '–'))),
      ),
      '',
    )
  }

  if (r.notes.length > 0) out.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '')
  return `${out.join('\n')}\n`
}
