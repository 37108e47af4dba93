import { NormalizedBuilder, type NormalizedString } from '../normalized-string.ts'
import type { Normalizer } from './types.ts'
import { AppError } from '../../errors.ts'

/** tokenizer.json `Replace`: a literal or an Oniguruma regex pattern. */
export interface ReplaceConfig {
  type: 'Replace'
  pattern: { String: string } | { Regex: string }
  content: string
}

// Oniguruma constructs whose JS meaning differs or that JS lacks: refuse rather than approximate.
const UNPORTABLE = /\(\?|\\[pPhHAzZGKRXkgQE]|\[\[:|\+\+|\*\+|\?\+|\}\+/

/** Compiles a Replace pattern to a global JS RegExp, or throws 'unsupported_component'. */
export function compileReplacePattern(pattern: ReplaceConfig['pattern']): RegExp {
  if ('String' in pattern) {
    if (pattern.String.length === 0) throw new AppError('invalid_tokenizer', 'Replace normalizer: empty String pattern.')
    return new RegExp(pattern.String.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'), 'gu')
  }
  const source = pattern.Regex
  if (UNPORTABLE.test(source)) {
    throw new AppError(
      'unsupported_component',
      `Replace normalizer: regex ${JSON.stringify(source)} uses Oniguruma syntax this tokenizer does not translate.`,
    )
  }
  let re: RegExp
  try {
    re = new RegExp(source, 'gu')
  } catch (e) {
    throw new AppError('unsupported_component', `Replace normalizer: regex ${JSON.stringify(source)} is not valid here: ${String(e)}`)
  }
  if (re.test(''))
    throw new AppError('unsupported_component', `Replace normalizer: regex ${JSON.stringify(source)} matches the empty string.`)
  return re
}

/** `Replace`: every non-overlapping match becomes `content`, aligned to the matched span. */
export class Replace implements Normalizer {
  readonly pattern: RegExp
  readonly content: string

  constructor(config: ReplaceConfig) {
    this.pattern = compileReplacePattern(config.pattern)
    this.content = config.content
  }

  normalize(s: NormalizedString): NormalizedString {
    const re = this.pattern
    re.lastIndex = 0
    let m = re.exec(s.text)
    if (m === null) return s
    const b = new NormalizedBuilder()
    let last = 0
    while (m !== null) {
      const start = m.index
      const end = start + m[0].length
      b.copy(s, last, start)
      const [os, oe] = s.originalRange(start, end)
      b.push(this.content, os, oe)
      last = end
      m = re.exec(s.text)
    }
    b.copy(s, last, s.length)
    return b.build()
  }
}
