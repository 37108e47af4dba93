import type { ArrayTrie } from '../trie.ts'
import type { Model, ModelToken } from '../types.ts'
import { bestPath } from './lattice.ts'

/** HF's `K_UNK_PENALTY`: unk scores `min_score - 10`. */
export const K_UNK_PENALTY = 10

/**
 * `Unigram` (`tokenizers/src/models/unigram/model.rs`): best path, then
 * consecutive unknown pieces fused into one token (fuse_unk is always on in
 * HF), each resulting string mapped back to its id, unk when absent.
 * Byte fallback is refused at compile time.
 */
export class Unigram implements Model {
  readonly trie: ArrayTrie
  readonly scores: Float64Array
  readonly unkId: number
  readonly unkScore: number

  constructor(trie: ArrayTrie, scores: Float64Array, unkId: number) {
    this.trie = trie
    this.scores = scores
    this.unkId = unkId
    let min = Infinity
    for (const s of scores) if (s < min) min = s
    this.unkScore = min - K_UNK_PENALTY
  }

  tokenize(word: string): ModelToken[] {
    if (word.length === 0) return []
    const { from, ids } = bestPath(word, this.trie, this.scores, this.unkId, this.unkScore)
    const pieces: Array<[number, number, number]> = [] // [start, end, id], backwards
    let end = word.length
    let unkEnd = -1 // end of the unk run being fused, -1 when none
    while (end > 0) {
      const start = from[end] ?? 0
      const id = ids[end] ?? 0
      if (id === this.unkId) {
        if (unkEnd < 0) unkEnd = end
      } else {
        if (unkEnd >= 0) {
          pieces.push([end, unkEnd, this.unkId])
          unkEnd = -1
        }
        pieces.push([start, end, id])
      }
      end = start
    }
    if (unkEnd >= 0) pieces.push([0, unkEnd, this.unkId])
    const out: ModelToken[] = []
    for (let k = pieces.length - 1; k >= 0; k--) {
      const [s, e] = pieces[k] as [number, number, number]
      const value = word.slice(s, e)
      const id = this.trie.get(value)
      out.push({ id: id < 0 ? this.unkId : id, value, start: s, end: e })
    }
    return out
  }
}
