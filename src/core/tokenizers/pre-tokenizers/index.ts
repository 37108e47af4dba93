import { expectObject, isOptionalBool, isString, unsupported, type Json } from '../config-check.ts'
import type { NormalizedString } from '../normalized-string.ts'
import { BertPreTokenizer } from './bert.ts'
import { Metaspace } from './metaspace.ts'
import type { PreTokenizer } from './types.ts'
import { WhitespaceSplit } from './whitespace-split.ts'
import { AppError } from '../../errors.ts'

export type { PreTokenizer } from './types.ts'

const SUPPORTED = ['BertPreTokenizer', 'WhitespaceSplit', 'Metaspace', 'Sequence']

class Sequence implements PreTokenizer {
  readonly steps: PreTokenizer[]
  constructor(steps: PreTokenizer[]) {
    this.steps = steps
  }
  preTokenize(pieces: NormalizedString[]): NormalizedString[] {
    for (const s of this.steps) pieces = s.preTokenize(pieces)
    return pieces
  }
}

/** Builds a pre-tokenizer from tokenizer.json's `pre_tokenizer` (null: none). */
export function preTokenizerFromConfig(config: Json | undefined): PreTokenizer | null {
  if (config === null || config === undefined) return null
  const o = expectObject(config, 'pre_tokenizer')
  const where = `pre_tokenizer ${JSON.stringify(o.type)}`
  switch (o.type) {
    case 'BertPreTokenizer':
      return new BertPreTokenizer()
    case 'WhitespaceSplit':
      return new WhitespaceSplit()
    case 'Sequence': {
      const list = o.pretokenizers
      if (!Array.isArray(list)) throw new AppError('invalid_tokenizer', `${where}: "pretokenizers" must be an array.`)
      return new Sequence(list.map((c) => preTokenizerFromConfig(c)).filter((p): p is PreTokenizer => p !== null))
    }
    case 'Metaspace': {
      const replacement = o.replacement
      if (!isString(replacement) || [...replacement].length !== 1) {
        throw new AppError('invalid_tokenizer', `${where}: "replacement" must be one character.`)
      }
      const addPrefix = o.add_prefix_space
      const split = o.split
      if (!isOptionalBool(addPrefix) || !(split === undefined || split === null || typeof split === 'boolean')) {
        throw new AppError('invalid_tokenizer', `${where}: "add_prefix_space" and "split" must be booleans.`)
      }
      const declared = o.prepend_scheme ?? 'always'
      if (declared !== 'always' && declared !== 'first' && declared !== 'never') {
        throw new AppError('invalid_tokenizer', `${where}: unknown prepend_scheme ${JSON.stringify(declared)}.`)
      }
      let scheme: 'always' | 'first' | 'never' = declared
      // serde rule in metaspace.rs: add_prefix_space false forces "never"
      if (addPrefix === false) {
        if (scheme !== 'never') {
          throw new AppError('invalid_tokenizer', `${where}: add_prefix_space does not match declared prepend_scheme.`)
        }
        scheme = 'never'
      }
      return new Metaspace({ type: 'Metaspace', replacement, prepend_scheme: scheme, split: split ?? true })
    }
    default:
      return unsupported('PreTokenizer', o.type, SUPPORTED)
  }
}
