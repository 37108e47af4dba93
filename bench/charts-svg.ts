/**
 * The few SVG pieces the benchmark charts need: linear scales with round
 * ticks, escaped text and a document frame. Plain strings, no DOM, so the
 * charts render in Node, deterministically (same JSON, same bytes).
 */

/** Okabe–Ito colours: told apart with the common colour-vision deficiencies. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'] as const

/** Dash patterns paired with PALETTE, so that series differ in grey print too. */
export const DASHES = ['', '6 3', '2 3', '8 3 2 3', '1 2', '10 4'] as const

export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"
export const INK = '#1f2328'
export const MUTED = '#59636e'
export const GRID = '#d8dee4'

/** Text for an SVG text node or attribute value. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** A number for an attribute: at most one decimal, no "-0". */
export function num(x: number): string {
  const r = Math.round(x * 10) / 10
  return Object.is(r, -0) ? '0' : String(r)
}

/** A linear map from [d0, d1] (data) to [r0, r1] (pixels). */
export function linear(d0: number, d1: number, r0: number, r1: number): (x: number) => number {
  const span = d1 - d0 || 1
  return (x) => r0 + ((x - d0) / span) * (r1 - r0)
}

/**
 * Round ticks from 0 to at least `max` (1, 2 or 5 times a power of ten apart),
 * about `count` of them; the last tick is the axis end.
 */
export function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1]
  const raw = max / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power
  const out: number[] = []
  for (let t = 0; t < max + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)))
  if ((out.at(-1) ?? 0) < max) out.push(Number(((out.at(-1) ?? 0) + step).toPrecision(12)))
  return out
}

/** A tick label: no trailing zeros, thousands without separators. */
export function tickLabel(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toFixed(2)))
}

export interface TextOptions {
  size?: number
  anchor?: 'start' | 'middle' | 'end'
  weight?: 'normal' | 'bold'
  fill?: string
  /** rotation in degrees around (x, y) */
  rotate?: number
}

/** A `<text>` element. */
export function text(x: number, y: number, content: string, o: TextOptions = {}): string {
  const attrs = [`x="${num(x)}"`, `y="${num(y)}"`, `font-size="${o.size ?? 12}"`]
  if (o.anchor !== undefined && o.anchor !== 'start') attrs.push(`text-anchor="${o.anchor}"`)
  if (o.weight === 'bold') attrs.push('font-weight="bold"')
  attrs.push(`fill="${o.fill ?? INK}"`)
  if (o.rotate !== undefined) attrs.push(`transform="rotate(${o.rotate} ${num(x)} ${num(y)})"`)
  return `<text ${attrs.join(' ')}>${esc(content)}</text>`
}

/** A horizontal or vertical line. */
export function line(x1: number, y1: number, x2: number, y2: number, stroke: string, extra = ''): string {
  return `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" stroke="${stroke}"${extra === '' ? '' : ` ${extra}`}/>`
}

/**
 * The whole document: a white background (the charts are also read on dark
 * pages, where a transparent one would hide the text), a title and a
 * description for screen readers, then `body`.
 */
export function svgDocument(width: number, height: number, title: string, description: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="title desc" font-family="${esc(FONT)}">`,
    `<title id="title">${esc(title)}</title>`,
    `<desc id="desc">${esc(description)}</desc>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n')
}
