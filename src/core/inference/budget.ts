/**
 * The memory budget of one isolate's ORT Wasm heap. Cloudflare ends an
 * isolate that passes 128 MB, with every request in flight in it, and Wasm
 * memory never shrinks; so the registry admits a model only when its measured
 * footprint fits beside the loaded ones (docs/memory.md).
 */

import { MiB } from '../config.ts'

/**
 * What one version takes in ORT's Wasm heap under onnxruntime-web, measured
 * by `publish` in fresh instances: what its loaded session keeps, and the
 * heap's high-water mark above ORT's own with the model alone, while its
 * session is created and while it runs the largest batch the budget allows.
 */
export interface Footprint {
  session_bytes: number
  peak_bytes: number
}

/** The part of a manifest version (ModelVersion) that memory accounting reads. */
export interface Sized {
  footprint?: Footprint
  weights: { size: number }
}

/**
 * For a version published before footprints were measured: a deliberate
 * overestimate of what docs/memory.md measured.
 */
export const estimatedFootprint = (weightsBytes: number): Footprint => ({
  session_bytes: 1.5 * weightsBytes,
  peak_bytes: 1.5 * weightsBytes + 40 * MiB,
})

/**
 * What loading `version` beside `loaded` needs in all: ORT's own `baseline`,
 * the sessions and the largest scratch space, and the weights themselves,
 * which sit in JavaScript memory (inside the same 128 MB) while ORT copies
 * them into its heap.
 */
export const loadNeedBytes = (baseline: number, loaded: readonly Footprint[], version: Sized): number =>
  baseline + residentBytes([...loaded, footprintOf(version)]) + version.weights.size

/** A version's footprint, measured at publish or estimated from its weights. */
export const footprintOf = (version: Sized): Footprint => version.footprint ?? estimatedFootprint(version.weights.size)

/**
 * Wasm bytes a set of loaded sessions needs above ORT's own: every session's
 * own, plus the largest scratch space any of them needs beyond its session
 * (a load or a run), because an isolate creates or runs one at a time and
 * scratch space is freed for the next.
 */
export const residentBytes = (loaded: readonly Footprint[]): number =>
  loaded.reduce((sum, f) => sum + f.session_bytes, 0) + Math.max(0, ...loaded.map((f) => f.peak_bytes - f.session_bytes))
