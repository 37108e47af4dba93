import { expectObject, field, isBool, isBoolOrNull, isObject, isString, unsupported, type Json } from '../config-check.ts'
import type { NormalizedString } from '../normalized-string.ts'
import { BertNormalizer } from './bert.ts'
import { Lowercase } from './lowercase.ts'
import { Precompiled, PrecompiledCharsmap } from './precompiled.ts'
import { Replace, type ReplaceConfig } from './replace.ts'
import { StripAccents } from './strip-accents.ts'
import type { Normalizer } from './types.ts'
import { UnicodeDecomposition } from './unicode-form.ts'
import { AppError } from '../../errors.ts'

export type { Normalizer } from './types.ts'

const SUPPORTED = ['BertNormalizer', 'Sequence', 'Replace', 'NFD', 'NFKD', 'StripAccents', 'Lowercase', 'Precompiled']

/** `normalizers::Sequence`. */
class Sequence implements Normalizer {
  readonly normalizers: Normalizer[]
  constructor(normalizers: Normalizer[]) {
    this.normalizers = normalizers
  }
  normalize(s: NormalizedString): NormalizedString {
    for (const n of this.normalizers) s = n.normalize(s)
    return s
  }
}

/**
 * Builds a normalizer from tokenizer.json's `normalizer` (null: none).
 * `charsmap` resolves a Precompiled step's `precompiled_charsmap` value (base64
 * in tokenizer.json, a section reference in the compiled form) to bytes.
 */
export function normalizerFromConfig(config: Json | undefined, charsmap: (value: Json | undefined) => Uint8Array): Normalizer | null {
  if (config === null || config === undefined) return null
  const o = expectObject(config, 'normalizer')
  const where = `normalizer ${JSON.stringify(o.type)}`
  switch (o.type) {
    case 'BertNormalizer':
      return new BertNormalizer({
        type: 'BertNormalizer',
        clean_text: field(o, 'clean_text', where, isBool, 'a boolean'),
        handle_chinese_chars: field(o, 'handle_chinese_chars', where, isBool, 'a boolean'),
        strip_accents: o.strip_accents === undefined ? null : field(o, 'strip_accents', where, isBoolOrNull, 'a boolean or null'),
        lowercase: field(o, 'lowercase', where, isBool, 'a boolean'),
      })
    case 'Sequence': {
      const list = o.normalizers
      if (!Array.isArray(list)) throw new AppError('invalid_tokenizer', `${where}: "normalizers" must be an array.`)
      return new Sequence(list.map((c) => normalizerFromConfig(c, charsmap)).filter((n): n is Normalizer => n !== null))
    }
    case 'Replace': {
      const p = o.pattern
      const pattern: ReplaceConfig['pattern'] | undefined =
        isObject(p) && isString(p.String) ? { String: p.String } : isObject(p) && isString(p.Regex) ? { Regex: p.Regex } : undefined
      if (pattern === undefined) throw new AppError('invalid_tokenizer', `${where}: "pattern" must be {"String": …} or {"Regex": …}.`)
      return new Replace({ type: 'Replace', pattern, content: field(o, 'content', where, isString, 'a string') })
    }
    case 'NFD':
    case 'NFKD':
      return new UnicodeDecomposition(o.type)
    case 'StripAccents':
      return new StripAccents()
    case 'Lowercase':
      return new Lowercase()
    case 'Precompiled':
      return new Precompiled(new PrecompiledCharsmap(charsmap(o.precompiled_charsmap)))
    default:
      return unsupported('Normalizer', o.type, SUPPORTED)
  }
}
