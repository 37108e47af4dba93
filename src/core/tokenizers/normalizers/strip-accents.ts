import type { NormalizedString } from '../normalized-string.ts'
import { isCombiningMark } from '../unicode.ts'
import type { Normalizer } from './types.ts'

/** `StripAccents`: removes every combining mark (Mn, Mc, Me). */
export class StripAccents implements Normalizer {
  normalize(s: NormalizedString): NormalizedString {
    return s.mapCodePoints((cp) => (isCombiningMark(cp) ? '' : undefined))
  }
}
