import type { NormalizedString } from '../normalized-string.ts'
import { isBertPunctuation, isWhitespace } from '../unicode.ts'
import { splitBy } from './split.ts'
import type { PreTokenizer } from './types.ts'

/** `BertPreTokenizer`: drop whitespace, then isolate every punctuation character. */
export class BertPreTokenizer implements PreTokenizer {
  preTokenize(pieces: NormalizedString[]): NormalizedString[] {
    const words: NormalizedString[] = []
    for (const p of pieces) splitBy(p, isWhitespace, 'removed', words)
    const out: NormalizedString[] = []
    for (const w of words) splitBy(w, isBertPunctuation, 'isolated', out)
    return out
  }
}
