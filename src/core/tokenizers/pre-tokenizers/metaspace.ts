import { NormalizedBuilder, type NormalizedString } from '../normalized-string.ts'
import { splitBy } from './split.ts'
import type { PreTokenizer } from './types.ts'

/** tokenizer.json `Metaspace` (after serde defaults: prepend_scheme "always", split true). */
export interface MetaspaceConfig {
  type: 'Metaspace'
  replacement: string
  prepend_scheme: 'always' | 'first' | 'never'
  split: boolean
}

/**
 * `Metaspace` (`tokenizers/src/pre_tokenizers/metaspace.rs`): spaces become the
 * replacement, the replacement is prepended (scheme permitting) aligned to the
 * first character, then pieces split before each replacement.
 */
export class Metaspace implements PreTokenizer {
  readonly config: MetaspaceConfig
  private readonly cp: number

  constructor(config: MetaspaceConfig) {
    this.config = config
    this.cp = config.replacement.codePointAt(0) ?? 0x2581
  }

  preTokenize(pieces: NormalizedString[]): NormalizedString[] {
    const { replacement, prepend_scheme, split } = this.config
    const out: NormalizedString[] = []
    for (let p of pieces) {
      if (p.text.includes(' ')) p = p.mapCodePoints((cp) => (cp === 0x20 ? replacement : undefined))
      const prepend =
        !p.text.startsWith(replacement) &&
        (prepend_scheme === 'always' || (prepend_scheme === 'first' && p.originalRange(0, p.length)[0] === 0))
      if (prepend) {
        const b = new NormalizedBuilder()
        const [os, oe] = p.length > 0 ? p.originalRange(0, 1) : p.originalRange(0, 0)
        b.push(replacement, os, oe)
        b.copy(p, 0, p.length)
        p = b.build()
      }
      if (split) splitBy(p, (cp) => cp === this.cp, 'merged_with_next', out)
      else if (p.length > 0) out.push(p)
    }
    return out
  }
}
