/**
 * Character classes as the tokenizers crate defines them (Rust `char` methods
 * and the `unicode_categories` crate), expressed with JS Unicode properties.
 */

/** Rust `char::is_whitespace` (the White_Space property), plus \t \n \r as BERT wants. */
export function isWhitespace(cp: number): boolean {
  return (
    (cp >= 0x09 && cp <= 0x0d) ||
    cp === 0x20 ||
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  )
}

const OTHER = /^\p{C}$/u
const PUNCTUATION = /^\p{P}$/u
const MARK = /^\p{M}$/u
const NONSPACING_MARK = /^\p{Mn}$/u

/** `unicode_categories::is_other`: Cc, Cf, Cs, Co, Cn. */
export const isOther = (cp: number): boolean => cp < 0x20 || (cp >= 0x7f && OTHER.test(String.fromCodePoint(cp)))

/** Rust `is_ascii_punctuation` or Unicode P* (what BertPreTokenizer splits on). */
export function isBertPunctuation(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x21 && cp <= 0x2f) || (cp >= 0x3a && cp <= 0x40) || (cp >= 0x5b && cp <= 0x60) || (cp >= 0x7b && cp <= 0x7e)
  return PUNCTUATION.test(String.fromCodePoint(cp))
}

/** General category M (Mn, Mc, Me): `unicode_normalization::char::is_combining_mark`. */
export const isCombiningMark = (cp: number): boolean => cp >= 0x300 && MARK.test(String.fromCodePoint(cp))

/** General category Mn: `is_mark_nonspacing`. */
export const isNonspacingMark = (cp: number): boolean => cp >= 0x300 && NONSPACING_MARK.test(String.fromCodePoint(cp))

/** BERT's "Chinese character" blocks (tokenizers/src/normalizers/bert.rs). */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  )
}
