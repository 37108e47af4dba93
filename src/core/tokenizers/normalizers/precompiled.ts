import { NormalizedBuilder, type NormalizedString } from '../normalized-string.ts'
import type { Normalizer } from './types.ts'
import { AppError } from '../../errors.ts'

/**
 * SentencePiece's precompiled_charsmap, run exactly as HF tokenizers runs it
 * (`tokenizers/src/normalizers/precompiled.rs` over `spm_precompiled`):
 * the text is walked by extended grapheme cluster; a cluster under 6 UTF-8
 * bytes is looked up whole, otherwise (or when that finds nothing) each code
 * point is looked up alone. A lookup takes the FIRST (shortest) prefix match
 * in the double-array trie and replaces the whole looked-up chunk with it.
 *
 * The charsmap is `u32le trie_size | trie (u32le units) | NUL-separated UTF-8`.
 */
export class PrecompiledCharsmap {
  /** double-array units */
  readonly trie: Uint32Array
  /** replacement strings, UTF-8, NUL-terminated */
  readonly normalized: Uint8Array
  private readonly cache = new Map<number, string>()
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

  constructor(charsmap: Uint8Array) {
    if (charsmap.byteLength < 4) throw new AppError('invalid_tokenizer', 'Precompiled: precompiled_charsmap is shorter than its header.')
    const view = new DataView(charsmap.buffer, charsmap.byteOffset, charsmap.byteLength)
    const trieSize = view.getUint32(0, true)
    if (trieSize % 4 !== 0 || 4 + trieSize > charsmap.byteLength || trieSize === 0) {
      throw new AppError('invalid_tokenizer', `Precompiled: trie size ${trieSize} does not fit the ${charsmap.byteLength}-byte charsmap.`)
    }
    // copy so the units are 4-byte aligned whatever the source offset
    this.trie = new Uint32Array(trieSize / 4)
    for (let i = 0; i < this.trie.length; i++) this.trie[i] = view.getUint32(4 + 4 * i, true)
    this.normalized = charsmap.subarray(4 + trieSize)
    try {
      this.decoder.decode(this.normalized)
    } catch {
      throw new AppError('invalid_tokenizer', 'Precompiled: the replacement strings are not valid UTF-8.')
    }
  }

  /**
   * `DoubleArray::common_prefix_search`: values (byte offsets into
   * `normalized`) of every key that prefixes `bytes[0..len)`, shortest first.
   * Stops at a NUL byte, as the Rust code does.
   */
  commonPrefixSearch(bytes: Uint8Array, len: number, firstOnly = false): number[] {
    const a = this.trie
    const results: number[] = []
    let unit = a[0] ?? 0
    let pos = offsetOf(unit)
    for (let i = 0; i < len; i++) {
      const c = bytes[i] ?? 0
      if (c === 0) break
      pos ^= c
      if (pos >= a.length) return results
      unit = a[pos] ?? 0
      if ((unit & 0x800000ff) !== c) return results
      pos ^= offsetOf(unit)
      if ((unit >>> 8) & 1) {
        results.push((a[pos] ?? 0) & 0x7fffffff)
        if (firstOnly) return results
      }
    }
    return results
  }

  /** `Precompiled::transform`: the replacement for a chunk, or undefined. */
  transform(bytes: Uint8Array, len: number): string | undefined {
    const hit = this.commonPrefixSearch(bytes, len, true)[0]
    if (hit === undefined) return undefined
    let r = this.cache.get(hit)
    if (r === undefined) {
      let end = hit
      while (end < this.normalized.length && this.normalized[end] !== 0) end++
      r = this.decoder.decode(this.normalized.subarray(hit, end))
      this.cache.set(hit, r)
    }
    return r
  }
}

const offsetOf = (unit: number): number => (unit >>> 10) << ((unit & 0x200) >>> 6)

/** Writes the UTF-8 of `s[from, to)` into `out` (sized by the caller); returns the byte count. */
function utf8(s: string, from: number, to: number, out: Uint8Array): number {
  let n = 0
  for (let i = from; i < to; i++) {
    let cp = s.charCodeAt(i)
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < to) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + (s.charCodeAt(i + 1) - 0xdc00)
      i++
    }
    if (cp < 0x80) out[n++] = cp
    else if (cp < 0x800) {
      out[n++] = 0xc0 | (cp >> 6)
      out[n++] = 0x80 | (cp & 63)
    } else if (cp < 0x10000) {
      out[n++] = 0xe0 | (cp >> 12)
      out[n++] = 0x80 | ((cp >> 6) & 63)
      out[n++] = 0x80 | (cp & 63)
    } else {
      out[n++] = 0xf0 | (cp >> 18)
      out[n++] = 0x80 | ((cp >> 12) & 63)
      out[n++] = 0x80 | ((cp >> 6) & 63)
      out[n++] = 0x80 | (cp & 63)
    }
  }
  return n
}

/**
 * Extended grapheme clusters via Intl.Segmenter (present in workerd and Node).
 * Returns cluster start indices (UTF-16) plus the end.
 */
let segmenter: Intl.Segmenter | undefined
function graphemeBounds(text: string): number[] {
  // Fast path: ASCII without CR is one cluster per unit (no ASCII code point
  // extends, prepends or joins in UAX #29 except CR LF).
  let ascii = true
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0x80 || c === 0x0d) {
      ascii = false
      break
    }
  }
  const bounds: number[] = []
  const single = text.length === 1 || (text.length === 2 && (text.codePointAt(0) ?? 0) > 0xffff)
  if (ascii || single) {
    if (single) return [0, text.length]
    for (let i = 0; i <= text.length; i++) bounds.push(i)
    return bounds
  }
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' })
  for (const seg of segmenter.segment(text)) bounds.push(seg.index)
  bounds.push(text.length)
  return bounds
}

/** The `Precompiled` normalizer step. */
export class Precompiled implements Normalizer {
  readonly charsmap: PrecompiledCharsmap

  constructor(charsmap: PrecompiledCharsmap) {
    this.charsmap = charsmap
  }

  normalize(s: NormalizedString): NormalizedString {
    const text = s.text
    const bounds = graphemeBounds(text)
    const b = new NormalizedBuilder()
    const buf = new Uint8Array(16)
    let changed = false
    let big: Uint8Array = buf
    for (let g = 0; g + 1 < bounds.length; g++) {
      const start = bounds[g] ?? 0
      const end = bounds[g + 1] ?? 0
      // a cluster's UTF-8 is at most 3 bytes per UTF-16 unit
      if (3 * (end - start) > big.length) big = new Uint8Array(3 * (end - start))
      const n = utf8(text, start, end, big)
      if (n < 6) {
        const r = this.charsmap.transform(big, n)
        if (r !== undefined) {
          changed = true
          const [os, oe] = s.originalRange(start, end)
          b.push(r, os, oe)
          continue
        }
      }
      for (let i = start; i < end;) {
        const c = text.charCodeAt(i)
        const w = c >= 0xd800 && c <= 0xdbff && i + 1 < end ? 2 : 1
        const m = utf8(text, i, i + w, buf)
        const r = this.charsmap.transform(buf, m)
        if (r === undefined) b.copy(s, i, i + w)
        else {
          changed = true
          const [os, oe] = s.originalRange(i, i + w)
          b.push(r, os, oe)
        }
        i += w
      }
    }
    return changed ? b.build() : s
  }
}

/** Decodes standard base64 (tokenizer.json's precompiled_charsmap) with Web APIs only. */
export function base64ToBytes(b64: string): Uint8Array {
  let bin: string
  try {
    bin = atob(b64)
  } catch {
    throw new AppError('invalid_tokenizer', 'Precompiled: precompiled_charsmap is not valid base64.')
  }
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}
