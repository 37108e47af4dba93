import type { ArrayTrie } from '../trie.ts'

/** A path node: the best path ending at position p came from `from[p]` with piece `ids[p]`. */
export interface BestPath {
  /** code-unit start of the last piece of the best path ending at each position, -1 if none */
  from: Int32Array
  ids: Int32Array
}

/**
 * Viterbi over the implicit lattice, as `Unigram::encode_optimized`
 * (SentencePiece's unigram_model.cc): a position's best path only improves on
 * a strictly higher score, so the first candidate found wins ties (pieces in
 * increasing length, then the unk candidate).
 */
export function bestPath(word: string, trie: ArrayTrie, scores: Float64Array, unkId: number, unkScore: number): BestPath {
  const size = word.length
  const score = new Float64Array(size + 1)
  const from = new Int32Array(size + 1).fill(-1)
  const ids = new Int32Array(size + 1)
  for (let start = 0; start < size;) {
    const c = word.charCodeAt(start)
    const mblen = c >= 0xd800 && c <= 0xdbff && start + 1 < size ? 2 : 1
    const base = score[start] ?? 0
    let hasSingle = false
    let node = 0
    for (let i = start; i < size; i++) {
      node = trie.child(node, word.charCodeAt(i))
      if (node < 0) break
      const id = trie.values[node] ?? -1
      if (id < 0) continue
      const end = i + 1
      const cand = (scores[id] ?? 0) + base
      if (from[end] === -1 || cand > (score[end] ?? 0)) {
        score[end] = cand
        from[end] = start
        ids[end] = id
      }
      if (end - start === mblen) hasSingle = true
    }
    if (!hasSingle) {
      const end = start + mblen
      const cand = unkScore + base
      if (from[end] === -1 || cand > (score[end] ?? 0)) {
        score[end] = cand
        from[end] = start
        ids[end] = unkId
      }
    }
    start += mblen
  }
  return { from, ids }
}
