/**
 * Scheduled rollout of pending versions: a version staged with
 * `publish --stage` becomes active only after this isolate has read its
 * weights and tokenizer (sha256-checked), created a session from them and
 * seen every smoke case give the label onnxruntime-node gave at publish time.
 *
 * - The manifest is written back with an R2 conditional put on the etag it was
 *   read at, so a `publish` or `rollback` that lands meanwhile always wins; the
 *   rollout just skips this tick.
 * - A failure keeps the active version, is recorded in the manifest (shown by
 *   `GET /v1/models/{id}`) and backs off (`shouldRetry`); a storage outage is
 *   not the version's fault, so it is retried next tick without being recorded.
 * - Models are verified one after another, so at most one candidate session
 *   sits beside the live ones (the 128 MB isolate limit; docs/redeploys.md).
 *
 * Storage, ORT and the registry are injected, as in registry.ts.
 */
import { footprintOf } from '../core/inference/budget.ts'
import { type ModelManifest, type ModelVersion, SMOKE_SCORE_TOLERANCE } from '../core/schema/manifest.ts'
import { promote, recordFailure, retryAt, shouldRetry } from '../core/schema/transitions.ts'
import { classifyEncodings, defaultActivation } from '../core/inference/classifier.ts'
import type { LiveModel, RegistryDeps } from './registry.ts'
import type { ClassifierSession } from '../core/inference/session.ts'
import { type Tokenizer } from '../core/tokenizers/tokenizer.ts'
import { AppError, isKind, kindOf } from '../core/errors.ts'

export interface RolloutDeps extends Omit<RegistryDeps, 'readManifest'> {
  listModelIds(): Promise<string[]>
  /** the manifest and the etag it was read at */
  readManifest(id: string): Promise<{ manifest: ModelManifest; etag: string }>
  /** writes only if the stored manifest still has `etag`; false when it changed */
  writeManifest(manifest: ModelManifest, etag: string): Promise<boolean>
  /** offers the verified, now active model to this isolate's registry; false means "release it" */
  adopt?(model: LiveModel): boolean
  /**
   * whether this Worker serves the model (in a suite, each model Worker rolls
   * out only its own models, so a candidate is verified within the budget of
   * the Worker that will serve it); absent: every model
   */
  serves?(manifest: ModelManifest): boolean
  /**
   * admits the candidate within this isolate's memory budget, evicting idle
   * models first (the registry's `reserve`), so that it is verified within
   * the budget of the Worker that will serve it; throws over_budget when it
   * cannot fit. Call the returned release once its session is adopted or
   * released. Absent: no accounting.
   */
  reserve?(id: string, version: ModelVersion): () => void
}

/** What one tick did for one model. */
export type RolloutOutcome =
  | { id: string; status: 'idle' }
  | { id: string; status: 'activated'; version: string; previous: string | null; load_ms: number; adopted: boolean }
  | { id: string; status: 'failed'; version: string; reason: string; attempts: number; retry_at: string }
  | { id: string; status: 'backing_off'; version: string; retry_at: string }
  /** a publish or rollback changed the manifest meanwhile; the next tick looks again */
  | { id: string; status: 'conflict'; version: string }
  /** storage could not be read or written; nothing recorded, the next tick tries again */
  | { id: string; status: 'deferred'; version: string | null; reason: string }

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Errors that say nothing about the version itself: an outage, or a budget that is full for now (not for good). */
const isTransient = (e: unknown): boolean =>
  isKind(e, 'storage_unavailable') || (isKind(e, 'over_budget') && e.retryAfterSeconds !== undefined && e.retryAfterSeconds <= 1)

const labelCount = (version: ModelVersion): number => Object.keys(version.id2label).length

/**
 * Runs `version.smoke` on `session`: each golden input, alone (as
 * `pickSmokeCases` ran it), must give its recorded top label and one score per
 * label. Without smoke cases one probe input still checks the output shape.
 */
export async function runSmokeTest(session: ClassifierSession, tokenizer: Tokenizer, version: ModelVersion): Promise<void> {
  const cases: Array<{ text: string; text_pair?: string; label: string | null; score?: number }> =
    version.smoke.length > 0 ? version.smoke : [{ text: 'smoke test', label: null }]
  const wrong: string[] = []
  for (const c of cases) {
    const input = c.text_pair === undefined ? { text: c.text } : { text: c.text, text_pair: c.text_pair }
    const encoding = tokenizer.encode(input, { max_length: version.max_length, truncation: true })
    const [row] = await classifyEncodings(
      session,
      [encoding],
      { pad_id: tokenizer.pad_id, id2label: version.id2label },
      { activation: defaultActivation(version.problem_type), top_k: null },
    )
    if (row === undefined || row.length !== labelCount(version)) {
      throw new AppError(
        'smoke_failed',
        `Version ${version.version} outputs ${row?.length ?? 0} scores but its manifest lists ${labelCount(version)} labels. Re-publish it with matching labels.`,
      )
    }
    const got = row[0]?.label
    if (c.label !== null && got !== c.label) wrong.push(`"${c.text.slice(0, 40)}" gave ${got ?? '(nothing)'}, expected ${c.label}`)
    const score = row[0]?.score ?? Number.NaN
    if (c.score !== undefined && !(Math.abs(score - c.score) <= SMOKE_SCORE_TOLERANCE)) {
      wrong.push(`"${c.text.slice(0, 40)}" scored ${score}, expected ${c.score}`)
    }
  }
  if (wrong.length > 0) {
    throw new AppError(
      'smoke_failed',
      `Version ${version.version} failed its smoke test: ${wrong.length} of ${cases.length} golden inputs changed label or score (${wrong.join('; ')}). ` +
        'The stored weights or tokenizer do not behave as the ones verified at publish time: re-publish the model, or roll back.',
    )
  }
}

/** Reads, checks, loads and smoke-tests one version; the caller owns the returned session. */
export async function verifyVersion(id: string, version: ModelVersion, deps: RolloutDeps): Promise<LiveModel> {
  const start = deps.now()
  const { session, tokenizer } = await load(id, version, deps)
  try {
    await runSmokeTest(session, tokenizer, version)
  } catch (e) {
    await session.release().catch(() => undefined)
    throw e
  }
  return { id, version, session, tokenizer, loadMs: deps.now() - start, footprint: footprintOf(version) }
}

/** Checked bytes to a session; the weight bytes die with this frame, before the smoke runs. */
async function load(id: string, version: ModelVersion, deps: RolloutDeps): Promise<{ session: ClassifierSession; tokenizer: Tokenizer }> {
  const [weights, tokenizerBytes] = await Promise.all([deps.readWeights(id, version), deps.readTokenizer(id, version)])
  const tokenizer = deps.parseTokenizer(tokenizerBytes)
  return { session: await deps.createSession(weights), tokenizer }
}

/** One tick for one model: roll out its pending version if it passes, else record why. */
export async function rollOut(id: string, deps: RolloutDeps): Promise<RolloutOutcome> {
  let read: { manifest: ModelManifest; etag: string }
  try {
    read = await deps.readManifest(id)
  } catch (e) {
    return { id, status: 'deferred', version: null, reason: message(e) }
  }
  const { manifest, etag } = read
  const pending = manifest.pending
  if (pending === null || deps.serves?.(manifest) === false) return { id, status: 'idle' }
  const now = deps.now()
  if (!shouldRetry(manifest, pending, now)) {
    const failure = manifest.failures.find((f) => f.version === pending)
    return { id, status: 'backing_off', version: pending, retry_at: new Date(failure ? retryAt(failure) : now).toISOString() }
  }

  let model: LiveModel
  let release = (): void => {}
  try {
    const version = manifest.versions.find((v) => v.version === pending)
    if (version === undefined) {
      throw new AppError('smoke_failed', `Version ${pending} is pending but the manifest does not list it. Publish it again with --stage.`)
    }
    release = deps.reserve?.(id, version) ?? release
    model = await verifyVersion(id, version, deps)
  } catch (e) {
    release()
    if (isTransient(e)) return { id, status: 'deferred', version: pending, reason: message(e) }
    const reason = `${kindOf(e)}: ${message(e)}`
    const next = recordFailure(manifest, pending, reason, new Date(now).toISOString())
    const outcome = await write(id, pending, next, etag, deps)
    if (outcome !== 'written') return outcome
    const failure = next.failures[0]
    const attempts = failure?.attempts ?? 1
    return { id, status: 'failed', version: pending, reason, attempts, retry_at: new Date(failure ? retryAt(failure) : now).toISOString() }
  }

  const outcome = await write(id, pending, promote(manifest, pending), etag, deps)
  // Only an active version may be adopted: on a conflict the manifest may say otherwise.
  const adopted = outcome === 'written' && (deps.adopt?.(model) ?? false)
  if (!adopted) await model.session.release().catch(() => undefined)
  // Adopted, the registry counts the session itself; released, it takes nothing.
  release()
  if (outcome !== 'written') return outcome
  return { id, status: 'activated', version: pending, previous: manifest.active, load_ms: model.loadMs, adopted }
}

async function write(
  id: string,
  version: string,
  next: ModelManifest,
  etag: string,
  deps: RolloutDeps,
): Promise<'written' | RolloutOutcome> {
  try {
    return (await deps.writeManifest(next, etag)) ? 'written' : { id, status: 'conflict', version }
  } catch (e) {
    return { id, status: 'deferred', version, reason: message(e) }
  }
}

/**
 * One scheduled tick: every model with a manifest, one at a time. Never
 * throws for one model's sake; a failed listing is the only error.
 */
export async function rollOutAll(deps: RolloutDeps): Promise<RolloutOutcome[]> {
  const outcomes: RolloutOutcome[] = []
  for (const id of await deps.listModelIds()) outcomes.push(await rollOut(id, deps))
  return outcomes
}
