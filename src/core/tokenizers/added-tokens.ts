/** An added token matched verbatim in the raw input (`AddedToken` with normalized: false). */
export interface AddedToken {
  id: number
  content: string
  special: boolean
}

/** A run of input: either plain text to tokenize or one added token. */
export interface Section {
  start: number
  end: number
  token?: AddedToken
}

/**
 * Splits raw text around added tokens, leftmost-longest like the aho-corasick
 * `MatchKind::LeftmostLongest` search in `tokenizers/src/tokenizer/added_vocabulary.rs`.
 */
export function splitOnAddedTokens(text: string, tokens: readonly AddedToken[]): Section[] {
  const out: Section[] = []
  let pos = 0
  let plainStart = 0
  while (pos < text.length && tokens.length > 0) {
    let best: AddedToken | undefined
    let bestAt = Infinity
    for (const t of tokens) {
      const at = text.indexOf(t.content, pos)
      if (at < 0) continue
      if (at < bestAt || (at === bestAt && best !== undefined && t.content.length > best.content.length)) {
        best = t
        bestAt = at
      }
    }
    if (best === undefined) break
    if (bestAt > plainStart) out.push({ start: plainStart, end: bestAt })
    out.push({ start: bestAt, end: bestAt + best.content.length, token: best })
    pos = plainStart = bestAt + best.content.length
  }
  if (plainStart < text.length) out.push({ start: plainStart, end: text.length })
  return out
}
