import type { NormalizedString } from '../normalized-string.ts'

/** One pre-tokenization step: splits every piece further (`tokenizers::PreTokenizer`). */
export interface PreTokenizer {
  preTokenize(pieces: NormalizedString[]): NormalizedString[]
}
