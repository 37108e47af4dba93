import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { tokenizerFile } from '../../../scripts/paths.ts'
import { NormalizedString } from '../../../src/core/tokenizers/normalized-string.ts'
import { base64ToBytes, Precompiled, PrecompiledCharsmap } from '../../../src/core/tokenizers/normalizers/precompiled.ts'
import { enumerateCharsmap, referenceTransform } from './charsmap-reference.ts'

const albert = JSON.parse(readFileSync(tokenizerFile('albert-base-v2', 'tokenizer.json'), 'utf8')) as {
  normalizer: { normalizers: Array<{ type: string; precompiled_charsmap?: string }> }
}
const b64 = albert.normalizer.normalizers.find((n) => n.type === 'Precompiled')?.precompiled_charsmap ?? ''
const charsmapBytes = base64ToBytes(b64)
const precompiled = new Precompiled(new PrecompiledCharsmap(charsmapBytes))
const run = (s: string): string => precompiled.normalize(NormalizedString.fromOriginal(s)).text

describe('Precompiled normalizer (albert-base-v2 charsmap)', () => {
  it('is the charsmap of spm_precompiled nmt_nfkc.bin (the §5 vectors apply)', () => {
    expect(Buffer.from(charsmapBytes).equals(readFileSync(tokenizerFile('albert-base-v2', 'precompiled_charsmap.bin')))).toBe(true)
  })

  it('agrees with the charsmap itself on every Unicode scalar value', () => {
    const map = enumerateCharsmap(charsmapBytes)
    expect(map.size).toBeGreaterThan(200_000)
    let checked = 0
    let mapped = 0
    const mismatches: string[] = []
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue
      const c = String.fromCodePoint(cp)
      const expected = referenceTransform(map, c) ?? c
      if (expected !== c) mapped++
      if (run(c) !== expected && mismatches.length < 10) mismatches.push(cp.toString(16))
      checked++
    }
    expect(mismatches).toEqual([])
    expect(checked).toBe(1_112_064)
    expect(mapped).toBeGreaterThan(4000)
  })

  // huggingface/spm_precompiled src/tests.rs (VECTORS-notes §5)
  it('common_prefix_search finds the documented blob offsets', () => {
    const cm = new PrecompiledCharsmap(readFileSync(tokenizerFile('albert-base-v2', 'precompiled_charsmap.bin')))
    const search = (s: string): number[] => {
      const b = new TextEncoder().encode(s)
      return cm.commonPrefixSearch(b, b.length)
    }
    expect(search('\u{fb01}')).toEqual([2130])
    expect(Array.from(cm.normalized.subarray(2130, 2133))).toEqual([0x66, 0x69, 0])
    expect(search(' ')).toEqual([])
    expect(search('𝔾')).toEqual([1786])
    expect(Array.from(cm.normalized.subarray(1786, 1788))).toEqual([0x47, 0])
    const b = new Uint8Array([0xd8, 0xa7, 0xd9, 0x93])
    expect(cm.commonPrefixSearch(b, 4)).toEqual([4050])
  })

  it('transforms and normalizes strings as spm_precompiled does', () => {
    expect(run('𝔾')).toBe('G')
    expect(run('𝕠')).toBe('o')
    expect(run('\u{200d}')).toBe(' ')
    expect(run('เขาไม่ได้พูดสักคำ')).toBe('เขาไม\u{e48}ได\u{e49}พ\u{e39}ดส\u{e31}กค\u{e4d}า')
    expect(run('ड़ी दुख')).toBe('ड\u{93c}ी द\u{941}ख')
    expect(run('\u0627\u0653')).toBe('آ')
  })

  it('looks a short grapheme cluster up whole and keeps offsets on the original', () => {
    const n = precompiled.normalize(NormalizedString.fromOriginal('x\u{fb01}y'))
    expect(n.text).toBe('xfiy')
    expect([n.originalRange(1, 2), n.originalRange(2, 3)]).toEqual([
      [1, 2],
      [1, 2],
    ])
  })
})
