import type { NormalizedString } from '../normalized-string.ts'
import type { Normalizer } from './types.ts'

/**
 * `Lowercase`: Rust `char::to_lowercase` per code point. Lowercasing one code
 * point at a time is deliberate: it has no final-sigma rule, like Rust's.
 */
export function lowercaseCodePoint(cp: number): string | undefined {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? String.fromCharCode(cp + 32) : undefined
  const c = String.fromCodePoint(cp)
  const l = c.toLowerCase()
  return l === c ? undefined : l
}

export class Lowercase implements Normalizer {
  normalize(s: NormalizedString): NormalizedString {
    return s.mapCodePoints(lowercaseCodePoint)
  }
}
