/** The bench Worker's routes as the benchmark calls them (types only, shared by both sides). */

/** `POST /__bench/run`: time `session.run` of model `id` on these token ids inside workerd. */
export interface RunRequest {
  id: string
  ids: number[][]
  type_ids: number[][]
  samples: number
  /** each sample repeats the run until at least this many ms passed (the local clock ticks in 1 ms) */
  min_ms: number
}

/** Its answer: the mean ms per run of each sample, and how many runs each sample took. */
export interface RunResponse {
  samples_ms: number[]
  repeats: number[]
}

/** `POST /__bench/cold`: load model `id` step by step (a fresh isolate's first request) and classify `text`. */
export interface ColdRequest {
  id: string
  text: string
  /** run the starter graphs twice before the load (steps `starters_again`, `starters_third`) */
  probe?: boolean
}

/** ms of each step, in order: R2 manifest, R2 weights + sha256, KV tokenizer, parse, session creation, runs. */
export interface ColdResponse {
  steps_ms: Record<string, number>
}
