import type { NormalizedString } from '../normalized-string.ts'
import { isWhitespace } from '../unicode.ts'
import { splitBy } from './split.ts'
import type { PreTokenizer } from './types.ts'

/** `WhitespaceSplit`: split on Rust `char::is_whitespace`, removing it. */
export class WhitespaceSplit implements PreTokenizer {
  preTokenize(pieces: NormalizedString[]): NormalizedString[] {
    const out: NormalizedString[] = []
    for (const p of pieces) splitBy(p, isWhitespace, 'removed', out)
    return out
  }
}
