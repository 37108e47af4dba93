import type { RolloutFailure, ModelManifest, ModelVersion } from './manifest.ts'
import { AppError } from '../errors.ts'

/**
 * Pure transitions of a model manifest. The CLI (publish, rollback) and the
 * Worker's scheduled rollout both go through these, so the rules (what
 * active means, what is kept, what is pruned) live in one place.
 */

/** How many versions a manifest keeps unless told otherwise. */
export const DEFAULT_KEEP = 5

export const emptyManifest = (id: string): ModelManifest => ({
  id,
  active: null,
  pending: null,
  versions: [],
  failures: [],
})

/** Same weights, tokenizer and labels: publishing it again is a no-op. */
export function findSameVersion(manifest: ModelManifest, candidate: ModelVersion): ModelVersion | undefined {
  return manifest.versions.find(
    (v) =>
      v.weights.sha256 === candidate.weights.sha256 &&
      v.tokenizer.sha256 === candidate.tokenizer.sha256 &&
      JSON.stringify(v.id2label) === JSON.stringify(candidate.id2label) &&
      v.max_length === candidate.max_length &&
      v.problem_type === candidate.problem_type,
  )
}

/**
 * Adds a version (newest first). `live` makes it serve at once; otherwise it
 * waits as `pending` for the scheduled rollout, which smoke-tests it first.
 */
export function addVersion(manifest: ModelManifest, version: ModelVersion, options: { live: boolean; keep?: number }): ModelManifest {
  const versions = [version, ...manifest.versions.filter((v) => v.version !== version.version)]
  const next: ModelManifest = {
    ...manifest,
    versions,
    active: options.live ? version.version : manifest.active,
    pending: options.live ? null : version.version,
    failures: manifest.failures.filter((f) => f.version !== version.version),
  }
  return prune(next, options.keep ?? DEFAULT_KEEP)
}

/** Makes a listed version active and clears it from pending. */
export function promote(manifest: ModelManifest, version: string): ModelManifest {
  requireVersion(manifest, version)
  return {
    ...manifest,
    active: version,
    pending: manifest.pending === version ? null : manifest.pending,
    failures: manifest.failures.filter((f) => f.version !== version),
  }
}

/**
 * Promotes `to`, or the newest version older than the active one. A pending
 * version is dropped from pending so the cron does not roll forward again.
 */
export function rollback(manifest: ModelManifest, to?: string): ModelManifest {
  let target = to
  if (target === undefined) {
    const activeIndex = manifest.versions.findIndex((v) => v.version === manifest.active)
    target = manifest.versions[activeIndex + 1]?.version
    if (activeIndex < 0 || target === undefined) {
      throw new AppError(
        'nothing_to_roll_back',
        `Model "${manifest.id}" has no version older than ${manifest.active ?? '(none active)'} to roll back to. Known versions: ${listVersions(manifest)}.`,
      )
    }
  }
  requireVersion(manifest, target)
  return { ...promote(manifest, target), pending: null }
}

/** Records a failed rollout; `attempts` counts repeated failures of one version (for back-off). */
export function recordFailure(manifest: ModelManifest, version: string, reason: string, at: string): ModelManifest {
  const previous = manifest.failures.find((f) => f.version === version)
  const failure: RolloutFailure = { version, reason, at, attempts: (previous?.attempts ?? 0) + 1 }
  return { ...manifest, failures: [failure, ...manifest.failures.filter((f) => f.version !== version)].slice(0, 10) }
}

/** The first wait after a failed rollout: two cron ticks, so the very next tick does not retry. */
export const RETRY_BASE_MS = 10 * 60_000

/** The longest wait between two rollout attempts of one version. */
export const RETRY_MAX_MS = 6 * 60 * 60_000

/**
 * When a failed version may be tried again: `RETRY_BASE_MS` after the first
 * failure, doubling with each further one, capped at `RETRY_MAX_MS`. A broken
 * version is usually broken for good (a corrupt blob, a failing smoke case), so
 * the cron backs off instead of paying a model load every tick; staging a new
 * version (`addVersion`) starts without a failure.
 */
export function retryAt(failure: RolloutFailure): number {
  const wait = Math.min(RETRY_BASE_MS * 2 ** Math.max(0, failure.attempts - 1), RETRY_MAX_MS)
  return Date.parse(failure.at) + wait
}

/** Whether the scheduled rollout may try `version` at `now` (ms since the epoch). */
export function shouldRetry(manifest: ModelManifest, version: string, now: number): boolean {
  const failure = manifest.failures.find((f) => f.version === version)
  if (failure === undefined) return true
  const at = retryAt(failure)
  // An unreadable timestamp must not block a version for ever.
  return Number.isNaN(at) || now >= at
}

/**
 * Keeps the newest `keep` versions, plus the active and pending ones whatever
 * their age, so pruning never removes what is served or about to be.
 */
export function prune(manifest: ModelManifest, keep: number): ModelManifest {
  const versions = manifest.versions.filter((v, i) => i < keep || v.version === manifest.active || v.version === manifest.pending)
  return { ...manifest, versions }
}

/** Blob keys (R2 weights, KV tokenizers) no version of any given manifest still references. */
export function unreferencedBlobs(before: ModelManifest, after: ModelManifest): { weights: string[]; tokenizers: string[] } {
  const kept = new Set(after.versions.flatMap((v) => [v.weights.key, v.tokenizer.key]))
  const dropped = before.versions.filter((v) => !after.versions.some((a) => a.version === v.version))
  return {
    weights: [...new Set(dropped.map((v) => v.weights.key).filter((k) => !kept.has(k)))],
    tokenizers: [...new Set(dropped.map((v) => v.tokenizer.key).filter((k) => !kept.has(k)))],
  }
}

function requireVersion(manifest: ModelManifest, version: string): void {
  if (!manifest.versions.some((v) => v.version === version)) {
    throw new AppError('unknown_version', `Model "${manifest.id}" has no version ${version}. Known versions: ${listVersions(manifest)}.`)
  }
}

const listVersions = (manifest: ModelManifest): string => manifest.versions.map((v) => v.version).join(', ') || '(none)'
