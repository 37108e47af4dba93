import type { NormalizedString } from '../normalized-string.ts'

/** `SplitDelimiterBehavior` subset used by the supported pre-tokenizers. */
export type SplitBehavior = 'removed' | 'isolated' | 'merged_with_next'

/** `NormalizedString::split` on a code point predicate; empty pieces are dropped. */
export function splitBy(s: NormalizedString, isDelimiter: (cp: number) => boolean, behavior: SplitBehavior, out: NormalizedString[]): void {
  const text = s.text
  let start = 0
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i) ?? 0
    const n = cp > 0xffff ? 2 : 1
    if (isDelimiter(cp)) {
      if (behavior === 'merged_with_next') {
        if (i > start) out.push(s.slice(start, i))
        start = i
      } else {
        if (i > start) out.push(s.slice(start, i))
        if (behavior === 'isolated') out.push(s.slice(i, i + n))
        start = i + n
      }
    }
    i += n
  }
  if (start === 0 && text.length > 0) out.push(s)
  else if (start < text.length) out.push(s.slice(start, text.length))
}
