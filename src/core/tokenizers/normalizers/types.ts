import type { NormalizedString } from '../normalized-string.ts'

/** One normalization step (`tokenizers::Normalizer`). */
export interface Normalizer {
  normalize(s: NormalizedString): NormalizedString
}
