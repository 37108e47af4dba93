import type { ArrayTrie } from './trie.ts'
import type { Model, ModelToken } from './types.ts'

/**
 * `WordPiece` (`tokenizers/src/models/wordpiece/mod.rs`): greedy longest match
 * from the left, continuation pieces prefixed with `continuing_subword_prefix`;
 * a word with no full cover, or longer than `max_input_chars_per_word` code
 * points, is a single unk token. Longest match = deepest valued node on a trie walk.
 */
export class WordPiece implements Model {
  readonly trie: ArrayTrie
  readonly unkId: number
  readonly unkToken: string
  readonly maxInputCharsPerWord: number
  /** trie node after the continuing prefix (e.g. "##"), or -1 */
  private readonly continuation: number

  constructor(trie: ArrayTrie, unkId: number, unkToken: string, continuingSubwordPrefix: string, maxInputCharsPerWord: number) {
    this.trie = trie
    this.unkId = unkId
    this.unkToken = unkToken
    this.maxInputCharsPerWord = maxInputCharsPerWord
    this.continuation = trie.walk(0, continuingSubwordPrefix)
    this.prefix = continuingSubwordPrefix
  }

  private readonly prefix: string

  tokenize(word: string): ModelToken[] {
    const unk = [{ id: this.unkId, value: this.unkToken, start: 0, end: word.length }]
    let chars = 0
    for (let i = 0; i < word.length; i++) {
      const c = word.charCodeAt(i)
      if (!(c >= 0xdc00 && c <= 0xdfff)) chars++
    }
    if (chars > this.maxInputCharsPerWord) return unk
    const out: ModelToken[] = []
    const { trie } = this
    let start = 0
    while (start < word.length) {
      let node = start === 0 ? 0 : this.continuation
      let bestEnd = -1
      let bestId = -1
      for (let i = start; i < word.length && node >= 0; i++) {
        node = trie.child(node, word.charCodeAt(i))
        if (node < 0) break
        const v = trie.values[node] ?? -1
        // a match must end on a code point boundary (never between a surrogate pair)
        if (v >= 0 && !isHighSurrogate(word.charCodeAt(i))) {
          bestEnd = i + 1
          bestId = v
        }
      }
      if (bestId < 0) return unk
      const piece = word.slice(start, bestEnd)
      out.push({ id: bestId, value: start === 0 ? piece : this.prefix + piece, start, end: bestEnd })
      start = bestEnd
    }
    return out
  }
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff
