import { describe, expect, it } from 'vitest'
import { type ModelVersion, parseManifest } from '../../../src/core/schema/manifest.ts'
import {
  addVersion,
  emptyManifest,
  findSameVersion,
  promote,
  prune,
  RETRY_BASE_MS,
  RETRY_MAX_MS,
  recordFailure,
  retryAt,
  rollback,
  shouldRetry,
  unreferencedBlobs,
} from '../../../src/core/schema/transitions.ts'
import { blob, modelVersion } from '../../support/model-version.ts'
import { AppError } from '../../../src/core/errors.ts'

const sha = (n: number): string => n.toString(16).padStart(64, '0')

const version = (n: number): ModelVersion =>
  modelVersion(`v${n}`, {
    weights: blob(`blobs/sha256/${sha(n)}.onnx`, sha(n), 10),
    tokenizer: blob(`tokenizer/sha256/${sha(1000)}`, sha(1000), 5),
    random_weights: false,
    smoke: [{ text: 'hello', label: 'ham' }],
    created_at: '2026-11-27T00:00:00Z',
  })

describe('manifest versions', () => {
  it('activates a published version at once or keeps it pending', () => {
    const live = addVersion(emptyManifest('m'), version(1), { live: true })
    expect(live.active).toBe('v1')
    const staged = addVersion(live, version(2), { live: false })
    expect(staged.active).toBe('v1')
    expect(staged.pending).toBe('v2')
    expect(promote(staged, 'v2')).toMatchObject({ active: 'v2', pending: null })
  })

  it('rolls back to the previous version, or to a named one', () => {
    let m = emptyManifest('m')
    for (const n of [1, 2, 3]) m = addVersion(m, version(n), { live: true })
    expect(rollback(m).active).toBe('v2')
    expect(rollback(m, 'v1').active).toBe('v1')
    expect(() => rollback(m, 'v9')).toThrow(AppError)
    expect(() => rollback(rollback(m, 'v1'))).toThrow(/no version older/)
  })

  it('prunes old versions but never the active or pending one', () => {
    let m = emptyManifest('m')
    for (const n of [1, 2, 3, 4]) m = addVersion(m, version(n), { live: n === 1 })
    const pruned = prune(m, 2)
    expect(pruned.versions.map((v) => v.version)).toEqual(['v4', 'v3', 'v1'])
    expect(pruned.pending).toBe('v4')
    const gone = unreferencedBlobs(m, pruned)
    expect(gone.weights).toEqual([version(2).weights.key])
    expect(gone.tokenizers).toEqual([]) // still used by the kept versions
  })

  it('recognises a re-publish of the same weights and tokenizer', () => {
    const m = addVersion(emptyManifest('m'), version(1), { live: true })
    expect(findSameVersion(m, { ...version(1), version: 'other' })?.version).toBe('v1')
    expect(findSameVersion(m, version(2))).toBeUndefined()
  })

  it('counts repeated activation failures of one version', () => {
    let m = addVersion(emptyManifest('m'), version(1), { live: false })
    m = recordFailure(m, 'v1', 'sha mismatch', 't1')
    m = recordFailure(m, 'v1', 'sha mismatch', 't2')
    expect(m.failures).toEqual([{ version: 'v1', reason: 'sha mismatch', at: 't2', attempts: 2 }])
  })

  it('backs off a failed version exponentially, capped, and not at all once re-staged', () => {
    const t0 = Date.parse('2026-11-27T00:00:00Z')
    const at = new Date(t0).toISOString()
    let m = addVersion(emptyManifest('m'), version(1), { live: false })
    expect(shouldRetry(m, 'v1', t0)).toBe(true)
    m = recordFailure(m, 'v1', 'smoke test failed', at)
    expect(shouldRetry(m, 'v1', t0 + RETRY_BASE_MS - 1)).toBe(false)
    expect(shouldRetry(m, 'v1', t0 + RETRY_BASE_MS)).toBe(true)
    m = recordFailure(m, 'v1', 'smoke test failed', at)
    expect(shouldRetry(m, 'v1', t0 + RETRY_BASE_MS)).toBe(false)
    expect(retryAt(m.failures[0] ?? { version: 'v1', reason: '', at, attempts: 0 })).toBe(t0 + 2 * RETRY_BASE_MS)
    expect(retryAt({ version: 'v1', reason: '', at, attempts: 40 })).toBe(t0 + RETRY_MAX_MS)
    // Other versions are not held back by v1's failures.
    expect(shouldRetry(m, 'v2', t0)).toBe(true)
    expect(shouldRetry(addVersion(m, version(1), { live: false }), 'v1', t0)).toBe(true)
    // A timestamp that does not parse must not block the version for ever.
    expect(shouldRetry(recordFailure(emptyManifest('m'), 'v1', 'x', 'garbage'), 'v1', t0)).toBe(true)
  })
})

describe('parseManifest', () => {
  it('round-trips a valid manifest', () => {
    const m = addVersion(emptyManifest('m'), version(1), { live: true })
    expect(parseManifest(JSON.parse(JSON.stringify(m)), 'm')).toEqual(m)
  })

  it('names the malformed field and the fix', () => {
    const m = addVersion(emptyManifest('m'), version(1), { live: true })
    const broken = { ...m, versions: [{ ...version(1), weights: { key: 'x', sha256: 'nothex', size: 1 } }] }
    expect(() => parseManifest(broken, 'm')).toThrow(AppError)
    expect(() => parseManifest(broken, 'm')).toThrow(/versions\.0\.weights\.sha256.*rollback/)
    expect(() => parseManifest({ ...m, active: 'v7' }, 'm')).toThrow(/does not list it/)
    expect(() => parseManifest(m, 'other')).toThrow(/names model "m"/)
  })
})
