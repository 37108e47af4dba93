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

/** Canonical ordering: stable bubble sort of adjacent non-starters by combining class. */
function reorder(s: NormalizedString, expected: string): NormalizedString {
  const cps: number[] = []
  const starts: number[] = []
  const ends: number[] = []
  for (let i = 0; i < s.text.length; ) {
    const cp = s.text.codePointAt(i) ?? 0
    const n = cp > 0xffff ? 2 : 1
    cps.push(cp)
    starts.push(s.starts[i] ?? 0)
    ends.push(s.ends[i + n - 1] ?? 0)
    i += n
  }
  let swapped = true
  while (swapped) {
    swapped = false
    for (let i = 0; i + 1 < cps.length; i++) {
      const a = cps[i] ?? 0
      const b = cps[i + 1] ?? 0
      if (a < 0x300 || b < 0x300 || a === b) continue
      const pair = String.fromCodePoint(a, b)
      // NFD of two decomposed code points only ever swaps them (ccc(a) > ccc(b) > 0)
      if (pair.normalize('NFD') === String.fromCodePoint(b, a)) {
        ;[cps[i], cps[i + 1]] = [b, a]
        ;[starts[i], starts[i + 1]] = [starts[i + 1] ?? 0, starts[i] ?? 0]
        ;[ends[i], ends[i + 1]] = [ends[i + 1] ?? 0, ends[i] ?? 0]
        swapped = true
      }
    }
  }
  const text = String.fromCodePoint(...cps)
  if (text !== expected) {
    // not expected to happen; keep the exact text and widen offsets to the whole span
    const [a, b] = s.originalRange(0, s.length)
    return new NormalizedString(expected, new Array<number>(expected.length).fill(a), new Array<number>(expected.length).fill(b))
  }
  const us: number[] = []
  const ue: number[] = []
  cps.forEach((cp, k) => {
    for (let j = cp > 0xffff ? 2 : 1; j > 0; j--) {
      us.push(starts[k] ?? 0)
      ue.push(ends[k] ?? 0)
    }
  })
  return new NormalizedString(text, us, ue)
}
