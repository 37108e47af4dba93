/**
 * How a batch of encodings becomes padded `session.run`s. Pure: lengths in,
 * runs out, so the Worker's routes, the pipeline and the benchmarks plan alike.
 *
 * A padded run costs every row its longest member's length, and attention
 * grows with the square of it. Under Wasm on one thread, sharing a run buys
 * rows only the run's fixed cost (dispatching every node, streaming the
 * weights once), which matters for short inputs alone: from a few dozen
 * tokens on, a run of several rows costs as much as those rows run alone, or
 * more. So the planner sorts a batch by token length, runs long inputs alone,
 * and cuts the short ones into the runs that a cost model says are cheapest
 * (an exact dynamic programme over the cut points of the sorted order),
 * within the memory bounds of a `BatchBudget`. docs/benchmarks.md ("Batches
 * planned by length") has the measurements the rule and its constants come from.
 *
 * A run's answers depend on its other rows, slightly: the int8 graphs
 * quantize their inputs (the hidden states) with one scale per tensor, computed over every row and
 * padded position of the run. An input that runs alone gets exactly the answer
 * it gets in a request of its own.
 */

/**
 * How large one padded run may be. Activation memory grows with
 * batch × sequence (hidden states) and batch × sequence² (attention), and
 * ORT's Wasm heap keeps its high-water mark for the isolate's life, so one
 * oversized run would cost the 128 MB isolate budget for good. What each run
 * size costs is measured in docs/memory.md.
 */
export interface BatchBudget {
  /** padded rows × sequence length */
  tokens: number
  /** padded rows × sequence length² */
  attention: number
}

/** 8×128 or 2×256 or 1×512 (a single input always runs, whatever its length). */
export const DEFAULT_BATCH_BUDGET: BatchBudget = { tokens: 1024, attention: 131_072 }

/**
 * The cost of one padded run of `rows` × `length` tokens, in units of one
 * token through the dense layers: `perRun + rows·length + perPair·rows·length²`,
 * for runs of one row or of rows no longer than `maxGroupedLength`. Only the
 * ratios matter to the planner.
 */
export interface RunCost {
  /** a run's fixed cost (dispatching every node, streaming the weights once), in tokens */
  perRun: number
  /** attention's cost per (row, position, position), in tokens */
  perPair: number
  /** the longest padded length at which inputs share a run; longer ones run alone */
  maxGroupedLength: number
}

/**
 * Fitted to onnxruntime-web runs of the three benchmarked int8 models
 * (bench/plan-cost.ts; the figures and why one model serves all three are in
 * docs/benchmarks.md).
 */
export const DEFAULT_RUN_COST: RunCost = { perRun: 8, perPair: 0.001, maxGroupedLength: 64 }

/** One padded run: which inputs (positions in the request) and the length they are padded to. */
export interface PlannedRun {
  /** request positions, in the order of the run's rows */
  rows: number[]
  /** the longest member's length */
  length: number
}

/** Whether `rows` inputs padded to `length` fit the budget (one input always does). */
export function fitsBudget(rows: number, length: number, budget: BatchBudget): boolean {
  return rows <= 1 || (rows * length <= budget.tokens && rows * length * length <= budget.attention)
}

/** Whether the cost model lets `rows` inputs padded to `length` share a run (one input always runs). */
export function mayGroup(rows: number, length: number, cost: RunCost): boolean {
  return rows <= 1 || length <= cost.maxGroupedLength
}

/** The predicted cost of one padded run (see `RunCost`); infinite for a run `mayGroup` refuses. */
export function runCost(rows: number, length: number, cost: RunCost): number {
  if (!mayGroup(rows, length, cost)) return Number.POSITIVE_INFINITY
  return cost.perRun + rows * length + cost.perPair * rows * length * length
}

/**
 * Splits a batch, in request order, into runs that fit `budget` once padded to
 * their longest member (greedy: a run grows until the next input would break
 * the budget). Returns [start, end) index pairs. This was the Worker's plan
 * before `planByLength`; it stays as the reference that the length plan is
 * compared against.
 */
export function planRuns(lengths: readonly number[], budget: BatchBudget): Array<[number, number]> {
  const runs: Array<[number, number]> = []
  let start = 0
  let longest = 0
  for (let i = 0; i < lengths.length; i++) {
    const t = Math.max(longest, lengths[i] ?? 0)
    if (!fitsBudget(i - start + 1, t, budget)) {
      runs.push([start, i])
      start = i
      longest = lengths[i] ?? 0
    } else {
      longest = t
    }
  }
  if (lengths.length > 0) runs.push([start, lengths.length])
  return runs
}

/**
 * Plans a batch by length: inputs sorted by length (ties broken by `tie`, then
 * by position), cut into consecutive runs of least total `runCost` such that
 * each run fits `budget` (inputs longer than `cost.maxGroupedLength` run
 * alone). Runs come shortest first; every position appears in exactly one run.
 *
 * With a `tie` that orders equal-length inputs by content, the plan depends
 * only on the multiset of inputs, not their order in the request, so a
 * permuted request is run as exactly the same padded tensors.
 */
export function planByLength(
  lengths: readonly number[],
  budget: BatchBudget,
  cost: RunCost = DEFAULT_RUN_COST,
  tie: (a: number, b: number) => number = () => 0,
): PlannedRun[] {
  const order = lengths.map((_, i) => i)
  order.sort((a, b) => (lengths[a] ?? 0) - (lengths[b] ?? 0) || tie(a, b) || a - b)
  const sorted = order.map((i) => lengths[i] ?? 0)
  const n = sorted.length
  // best[j]: least cost of the first j sorted inputs; cut[j]: where its last run starts.
  const best = new Float64Array(n + 1)
  const cut = new Int32Array(n + 1)
  for (let j = 1; j <= n; j++) {
    const length = sorted[j - 1] ?? 0
    best[j] = Number.POSITIVE_INFINITY
    // The last run is sorted[i..j), padded to sorted[j-1]; more rows never fit better.
    for (let i = j - 1; i >= 0 && fitsBudget(j - i, length, budget) && mayGroup(j - i, length, cost); i--) {
      const total = (best[i] ?? 0) + runCost(j - i, length, cost)
      if (total < (best[j] ?? Number.POSITIVE_INFINITY)) {
        best[j] = total
        cut[j] = i
      }
    }
  }
  const runs: PlannedRun[] = []
  for (let j = n; j > 0; j = cut[j] ?? 0) {
    const i = cut[j] ?? 0
    runs.push({ rows: order.slice(i, j), length: sorted[j - 1] ?? 0 })
  }
  return runs.reverse()
}
