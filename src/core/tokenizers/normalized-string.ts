/**
 * A string being normalized, with the original [start, end) offsets (UTF-16
 * code units) of every code unit, after `tokenizers/src/tokenizer/normalizer.rs`.
 * Transforms are functional: they return a new NormalizedString.
 */
export class NormalizedString {
  readonly text: string
  /** per code unit of `text`: start of its source in the original, UTF-16 units */
  readonly starts: number[]
  /** per code unit of `text`: end (exclusive) of its source in the original */
  readonly ends: number[]

  constructor(text: string, starts: number[], ends: number[]) {
    this.text = text
    this.starts = starts
    this.ends = ends
  }

  /**
   * Wraps original text found at `offset` of the caller's string. Lone
   * surrogates become U+FFFD (what UTF-8 encoding of the text would carry;
   * Rust strings cannot hold them), keeping one unit so offsets stay exact.
   */
  static fromOriginal(text: string, offset = 0): NormalizedString {
    const wellFormed = text.isWellFormed() ? text : text.toWellFormed()
    const starts = new Array<number>(text.length)
    const ends = new Array<number>(text.length)
    for (let i = 0; i < text.length; i++) {
      const c = wellFormed.charCodeAt(i)
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        // a surrogate pair: both units map to the whole code point
        starts[i] = starts[i + 1] = offset + i
        ends[i] = ends[i + 1] = offset + i + 2
        i++
      } else {
        starts[i] = offset + i
        ends[i] = offset + i + 1
      }
    }
    return new NormalizedString(wellFormed, starts, ends)
  }

  get length(): number {
    return this.text.length
  }

  /** The sub-string [start, end) in code units, alignments kept. */
  slice(start: number, end: number): NormalizedString {
    return new NormalizedString(this.text.slice(start, end), this.starts.slice(start, end), this.ends.slice(start, end))
  }

  /** Original [start, end) of the code units [start, end) of `text`. */
  originalRange(start: number, end: number): [number, number] {
    if (end <= start) {
      const at = start < this.starts.length ? (this.starts[start] ?? 0) : (this.ends[this.ends.length - 1] ?? 0)
      return [at, at]
    }
    return [this.starts[start] ?? 0, this.ends[end - 1] ?? 0]
  }

  /**
   * Maps each code point through `f`: `undefined` keeps it, a string replaces
   * it (every replacement unit aligned to the source code point; '' removes it).
   */
  mapCodePoints(f: (cp: number) => string | undefined): NormalizedString {
    const b = new NormalizedBuilder()
    const s = this.text
    let changed = false
    for (let i = 0; i < s.length;) {
      const cp = s.codePointAt(i) ?? 0
      const n = cp > 0xffff ? 2 : 1
      const r = f(cp)
      if (r === undefined) b.copy(this, i, i + n)
      else {
        changed = true
        b.push(r, this.starts[i] ?? 0, this.ends[i + n - 1] ?? 0)
      }
      i += n
    }
    return changed ? b.build() : this
  }
}

/** Accumulates a NormalizedString piece by piece. */
export class NormalizedBuilder {
  private parts: string[] = []
  private starts: number[] = []
  private ends: number[] = []

  /** Appends `text`, every unit aligned to the original [start, end). */
  push(text: string, start: number, end: number): void {
    if (text.length === 0) return
    this.parts.push(text)
    for (let k = 0; k < text.length; k++) {
      this.starts.push(start)
      this.ends.push(end)
    }
  }

  /** Appends units [from, to) of `src` unchanged. */
  copy(src: NormalizedString, from: number, to: number): void {
    if (to <= from) return
    this.parts.push(src.text.slice(from, to))
    for (let k = from; k < to; k++) {
      this.starts.push(src.starts[k] ?? 0)
      this.ends.push(src.ends[k] ?? 0)
    }
  }

  build(): NormalizedString {
    return new NormalizedString(this.parts.join(''), this.starts, this.ends)
  }
}
