import type { NormalizedString } from '../normalized-string.ts'
import { isChineseChar, isNonspacingMark, isOther, isWhitespace } from '../unicode.ts'
import { lowercaseCodePoint } from './lowercase.ts'
import type { Normalizer } from './types.ts'
import { UnicodeDecomposition } from './unicode-form.ts'

/** tokenizer.json `BertNormalizer` (JSON field names kept). */
export interface BertNormalizerConfig {
  type: 'BertNormalizer'
  clean_text: boolean
  handle_chinese_chars: boolean
  strip_accents: boolean | null
  lowercase: boolean
}

const nfd = new UnicodeDecomposition('NFD')

/** `tokenizers/src/normalizers/bert.rs`, step for step. */
export class BertNormalizer implements Normalizer {
  readonly config: BertNormalizerConfig

  constructor(config: BertNormalizerConfig) {
    this.config = config
  }

  normalize(s: NormalizedString): NormalizedString {
    const { clean_text, handle_chinese_chars, strip_accents, lowercase } = this.config
    if (clean_text) {
      s = s.mapCodePoints((cp) => {
        if (cp === 0x09 || cp === 0x0a || cp === 0x0d) return ' '
        if (cp === 0 || cp === 0xfffd || isOther(cp)) return ''
        if (cp === 0x20) return undefined
        return isWhitespace(cp) ? ' ' : undefined
      })
    }
    if (handle_chinese_chars) {
      s = s.mapCodePoints((cp) => (isChineseChar(cp) ? ` ${String.fromCodePoint(cp)} ` : undefined))
    }
    if (strip_accents ?? lowercase) {
      s = nfd.normalize(s).mapCodePoints((cp) => (isNonspacingMark(cp) ? '' : undefined))
    }
    if (lowercase) s = s.mapCodePoints(lowercaseCodePoint)
    return s
  }
}
