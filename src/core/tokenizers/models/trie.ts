/**
 * A read-only trie over UTF-16 code units, stored as three typed arrays so the
 * compiled form loads without building anything (nodes in breadth-first order,
 * the children of a node contiguous and sorted by label).
 *
 * Matching code units is equivalent to the crate's byte-level tries: every key
 * is a whole string, so a match always ends on a code point boundary.
 */
export class ArrayTrie {
  /** children of node i are nodes [first[i], first[i + 1]) */
  readonly first: Uint32Array
  /** the code unit on the edge into node i (unused for the root) */
  readonly labels: Uint16Array
  /** the id stored at node i, or -1 */
  readonly values: Int32Array

  constructor(first: Uint32Array, labels: Uint16Array, values: Int32Array) {
    this.first = first
    this.labels = labels
    this.values = values
  }

  /** The child of `node` along code unit `c`, or -1. */
  child(node: number, c: number): number {
    let lo = this.first[node] ?? 0
    let hi = (this.first[node + 1] ?? 0) - 1
    const labels = this.labels
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const l = labels[mid] ?? 0
      if (l === c) return mid
      if (l < c) lo = mid + 1
      else hi = mid - 1
    }
    return -1
  }

  /** Walks `s[from, to)` from `node`; returns the node reached or -1. */
  walk(node: number, s: string, from = 0, to = s.length): number {
    for (let i = from; i < to && node >= 0; i++) node = this.child(node, s.charCodeAt(i))
    return node
  }

  /** The id of string `s`, or -1. */
  get(s: string): number {
    const n = this.walk(0, s)
    return n < 0 ? -1 : (this.values[n] ?? -1)
  }

  /** Builds the arrays from (key, id) pairs; a later duplicate key wins, as in a hash map. */
  static build(entries: Iterable<readonly [string, number]>): ArrayTrie {
    interface Node {
      children: Map<number, Node>
      value: number
    }
    const root: Node = { children: new Map(), value: -1 }
    for (const [key, id] of entries) {
      let node = root
      for (let i = 0; i < key.length; i++) {
        const c = key.charCodeAt(i)
        let next = node.children.get(c)
        if (next === undefined) {
          next = { children: new Map(), value: -1 }
          node.children.set(c, next)
        }
        node = next
      }
      node.value = id
    }
    const order: Node[] = [root]
    const labels: number[] = [0]
    const first: number[] = []
    for (let i = 0; i < order.length; i++) {
      const node = order[i] as Node
      first.push(order.length)
      for (const c of [...node.children.keys()].sort((a, b) => a - b)) {
        order.push(node.children.get(c) as Node)
        labels.push(c)
      }
    }
    first.push(order.length)
    return new ArrayTrie(
      Uint32Array.from(first),
      Uint16Array.from(labels),
      Int32Array.from(order, (n) => n.value),
    )
  }
}
