/**
 * An independent reading of a SentencePiece precompiled_charsmap for tests:
 * enumerates every key of the double-array trie by depth-first search (rather
 * than walking it per query, as the code under test does) into a Map from the
 * key's bytes to its replacement string.
 */
export function enumerateCharsmap(charsmap: Uint8Array): Map<string, string> {
  const view = new DataView(charsmap.buffer, charsmap.byteOffset, charsmap.byteLength)
  const trieSize = view.getUint32(0, true)
  const units = Array.from({ length: trieSize / 4 }, (_, i) => view.getUint32(4 + 4 * i, true))
  const blob = charsmap.subarray(4 + trieSize)
  const text = (at: number): string => {
    let end = at
    while (blob[end] !== 0) end++
    return new TextDecoder().decode(blob.subarray(at, end))
  }
  const offset = (u: number): number => (u >>> 10) << ((u & 0x200) >>> 6)
  const out = new Map<string, string>()
  const visit = (pos: number, key: number[]): void => {
    for (let c = 1; c < 256; c++) {
      const child = pos ^ c
      const u = units[child]
      if (u === undefined || (u & 0x800000ff) !== c) continue
      const next = child ^ offset(u)
      const k = [...key, c]
      if ((u >>> 8) & 1) out.set(String.fromCharCode(...k), text((units[next] ?? 0) & 0x7fffffff))
      visit(next, k)
    }
  }
  visit(offset(units[0] ?? 0), [])
  return out
}

/** What the charsmap says one chunk becomes: the shortest key prefixing its UTF-8, or undefined. */
export function referenceTransform(map: Map<string, string>, chunk: string): string | undefined {
  const bytes = new TextEncoder().encode(chunk)
  for (let n = 1; n <= bytes.length; n++) {
    if (bytes[n - 1] === 0) return undefined
    const r = map.get(String.fromCharCode(...bytes.subarray(0, n)))
    if (r !== undefined) return r
  }
  return undefined
}
