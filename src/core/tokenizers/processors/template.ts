import { expectObject, isInt, isObject, isString, unsupported, type Json } from '../config-check.ts'
import { AppError } from '../../errors.ts'

/** One element of a template, resolved: special tokens carry their ids and strings. */
export type TemplatePiece =
  | { kind: 'special'; ids: number[]; tokens: string[]; type_id: number }
  | { kind: 'sequence'; sequence: 'A' | 'B'; type_id: number }

/** `TemplateProcessing` (`tokenizers/src/processors/template.rs`), resolved once. */
export interface TemplateProcessing {
  single: TemplatePiece[]
  pair: TemplatePiece[]
}

function parseTemplate(list: Json | undefined, specials: Map<string, { ids: number[]; tokens: string[] }>, where: string): TemplatePiece[] {
  if (!Array.isArray(list)) throw new AppError('invalid_tokenizer', `${where}: template must be an array.`)
  return list.map((item): TemplatePiece => {
    const o = expectObject(item, where)
    const sp = o.SpecialToken
    const sq = o.Sequence
    if (isObject(sp) && isString(sp.id) && isInt(sp.type_id)) {
      const s = specials.get(sp.id)
      if (s === undefined)
        throw new AppError('invalid_tokenizer', `${where}: special token ${JSON.stringify(sp.id)} is missing from special_tokens.`)
      return { kind: 'special', ids: s.ids, tokens: s.tokens, type_id: sp.type_id }
    }
    if (isObject(sq) && (sq.id === 'A' || sq.id === 'B') && isInt(sq.type_id))
      return { kind: 'sequence', sequence: sq.id, type_id: sq.type_id }
    throw new AppError('invalid_tokenizer', `${where}: unknown template piece ${JSON.stringify(item)}.`)
  })
}

/** Reads tokenizer.json's `post_processor`; only TemplateProcessing (or none) is supported. */
export function templateFromConfig(config: Json | undefined): TemplateProcessing | null {
  if (config === null || config === undefined) return null
  const o = expectObject(config, 'post_processor')
  if (o.type !== 'TemplateProcessing') return unsupported('PostProcessor', o.type, ['TemplateProcessing'])
  const specials = new Map<string, { ids: number[]; tokens: string[] }>()
  const st = expectObject(o.special_tokens ?? {}, 'TemplateProcessing special_tokens')
  for (const [name, v] of Object.entries(st)) {
    const s = expectObject(v, `TemplateProcessing special token ${name}`)
    const ids = s.ids
    const tokens = s.tokens
    if (!Array.isArray(ids) || !ids.every(isInt) || !Array.isArray(tokens) || !tokens.every(isString) || ids.length !== tokens.length) {
      throw new AppError('invalid_tokenizer', `TemplateProcessing special token ${name}: "ids" and "tokens" must be equal-length arrays.`)
    }
    specials.set(name, { ids, tokens })
  }
  const single = parseTemplate(o.single, specials, 'TemplateProcessing single')
  const pair = parseTemplate(o.pair, specials, 'TemplateProcessing pair')
  if (single.some((p) => p.kind === 'sequence' && p.sequence === 'B')) {
    throw new AppError('invalid_tokenizer', 'TemplateProcessing single: must not use sequence B.')
  }
  return { single, pair }
}

/** How many special tokens a template adds (`get_n_added_tokens`). */
export const addedTokenCount = (template: TemplatePiece[]): number =>
  template.reduce((n, p) => n + (p.kind === 'special' ? p.ids.length : 0), 0)
