/**
 * Order statistics for latency samples. Percentiles use the nearest-rank
 * method (a reported p95 is a latency that was actually observed).
 */

/** The p-th percentile (0 < p <= 100) by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN
}

export interface Summary {
  n: number
  p50_ms: number
  p95_ms: number
  min_ms: number
  max_ms: number
}

/** p50/p95/min/max of millisecond samples, rounded to 0.01 ms. */
export function summarize(samples: readonly number[]): Summary {
  const r = (x: number): number => Math.round(x * 100) / 100
  return {
    n: samples.length,
    p50_ms: r(percentile(samples, 50)),
    p95_ms: r(percentile(samples, 95)),
    min_ms: r(samples.length === 0 ? Number.NaN : Math.min(...samples)),
    max_ms: r(samples.length === 0 ? Number.NaN : Math.max(...samples)),
  }
}

export interface LoopOptions {
  /** untimed calls first (JIT, allocator, ORT's first-run work) */
  warmup: number
  /** at most this many timed calls */
  runs: number
  /** at least this many timed calls, even past maxMs */
  minRuns: number
  /** stop timing once this much time was spent on timed calls */
  maxMs: number
}

/**
 * Times `fn` after a warm-up: up to `runs` calls, stopping early once `maxMs`
 * of timed work has passed but never under `minRuns` (keeps slow cells bounded).
 */
export async function timeLoop(fn: () => Promise<unknown>, o: LoopOptions): Promise<number[]> {
  for (let i = 0; i < o.warmup; i++) await fn()
  const samples: number[] = []
  let spent = 0
  while (samples.length < o.runs && (samples.length < o.minRuns || spent < o.maxMs)) {
    const t0 = performance.now()
    await fn()
    const ms = performance.now() - t0
    samples.push(ms)
    spent += ms
  }
  return samples
}

/** True once the median of the last `window` durations is within `tolerance` of the median of the `window` before. */
export function settled(durations: readonly number[], window = 8, tolerance = 0.05): boolean {
  if (durations.length < 2 * window) return false
  const recent = percentile(durations.slice(-window), 50)
  const before = percentile(durations.slice(-2 * window, -window), 50)
  return Math.abs(recent - before) <= tolerance * before
}

/**
 * Untimed runs until V8 has tiered the hot Wasm up: at least `minMs`, then
 * until run times stop falling (`settled`), at most `maxMs`. A fixed warm-up
 * is not enough on a busy machine: fewer runs fit in it and tier-up comes
 * later. `run` may return its own duration (timed inside workerd); otherwise
 * it is timed here.
 */
export async function warmUntilSettled(
  run: () => Promise<number | void>,
  minMs: number,
  maxMs = 4 * minMs,
): Promise<{ ms: number; runs: number }> {
  const t0 = performance.now()
  const durations: number[] = []
  for (;;) {
    const start = performance.now()
    const own = await run()
    durations.push(typeof own === 'number' ? own : performance.now() - start)
    const elapsed = performance.now() - t0
    if (elapsed >= maxMs || (elapsed >= minMs && settled(durations))) return { ms: elapsed, runs: durations.length }
  }
}
