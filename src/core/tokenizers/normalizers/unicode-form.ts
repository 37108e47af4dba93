import { NormalizedString } from '../normalized-string.ts'
import type { Normalizer } from './types.ts'

/**
 * NFD / NFKD with alignments. Each code point is decomposed alone (so every
 * output unit keeps its source's offsets); when the whole-string form differs,
 * the only possible cause is canonical reordering of combining marks across
 * code points, which is then redone pairwise as Unicode specifies.
 */
export class UnicodeDecomposition implements Normalizer {
  readonly form: 'NFD' | 'NFKD'

  constructor(form: 'NFD' | 'NFKD') {
    this.form = form
  }

  normalize(s: NormalizedString): NormalizedString {
    const form = this.form
    // below U+00A0 every code point is its own NFD and NFKD
    const out = s.mapCodePoints((cp) => {
      if (cp < 0xa0) return undefined
      const c = String.fromCodePoint(cp)
      const d = c.normalize(form)
      return d === c ? undefined : d
    })
    const expected = s.text.normalize(form)
    return out.text === expected ? out : reorder(out, expected)
  }
}

/**
 * Canonical ordering. `expected` (the engine's whole-string form) differs from
 * the per-code-point decomposition only by a stable sort of each run of
 * non-starters, so every expected code point is matched to the first unused
 * equal one in `s` (equal code points keep their order under a stable sort).
 * Linear time, so a long run of combining marks cannot stall a request.
 */
function reorder(s: NormalizedString, expected: string): NormalizedString {
  const cps: number[] = []
  const starts: number[] = []
  const ends: number[] = []
  for (let i = 0; i < s.text.length;) {
    const cp = s.text.codePointAt(i) ?? 0
    const n = cp > 0xffff ? 2 : 1
    cps.push(cp)
    starts.push(s.starts[i] ?? 0)
    ends.push(s.ends[i + n - 1] ?? 0)
    i += n
  }
  const us: number[] = []
  const ue: number[] = []
  /** indices of `cps` passed over but not yet matched, per code point, in order */
  const pending = new Map<number, number[]>()
  let next = 0
  for (const char of expected) {
    const cp = char.codePointAt(0) ?? 0
    let from = pending.get(cp)?.shift()
    while (from === undefined && next < cps.length) {
      const candidate = cps[next] ?? 0
      if (candidate === cp) from = next
      else {
        const queue = pending.get(candidate)
        if (queue === undefined) pending.set(candidate, [next])
        else queue.push(next)
      }
      next++
    }
    if (from === undefined) {
      // not expected to happen; keep the exact text and widen offsets to the whole span
      const [a, b] = s.originalRange(0, s.length)
      return new NormalizedString(expected, new Array<number>(expected.length).fill(a), new Array<number>(expected.length).fill(b))
    }
    for (let j = char.length; j > 0; j--) {
      us.push(starts[from] ?? 0)
      ue.push(ends[from] ?? 0)
    }
  }
  return new NormalizedString(expected, us, ue)
}
