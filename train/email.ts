/**
 * Turns a raw RFC 822 email into the body text a classifier sees: headers
 * dropped (they give the SpamAssassin label away), MIME parts walked,
 * quoted-printable and base64 text decoded, HTML reduced to its text.
 */

/** Header fields (lower-cased names, unfolded values) and the raw body. */
export interface ParsedMessage {
  headers: Map<string, string>
  body: string
}

/** Splits a message (or MIME part) at the first blank line; header names are lower-cased, folded lines joined. */
export function splitMessage(raw: string): ParsedMessage {
  const text = raw.replace(/\r\n/g, '\n')
  // An mbox "From " line may precede the headers.
  const start = text.startsWith('From ') ? text.indexOf('\n') + 1 : 0
  const end = text.indexOf('\n\n', start)
  const head = end < 0 ? text.slice(start) : text.slice(start, end)
  const body = end < 0 ? '' : text.slice(end + 2)
  const headers = new Map<string, string>()
  let last = ''
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line) && last !== '') {
      headers.set(last, `${headers.get(last) ?? ''} ${line.trim()}`)
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    last = line.slice(0, colon).trim().toLowerCase()
    // The first occurrence wins (Received: repeats; we only need Content-*).
    if (!headers.has(last)) headers.set(last, line.slice(colon + 1).trim())
  }
  return { headers, body }
}

/** A header parameter such as `boundary` or `charset` (quoted or bare). */
export function headerParam(value: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value)
  return m === null ? undefined : (m[1] ?? m[2])
}

/** Decodes quoted-printable (soft line breaks, =XX escapes) to bytes. */
export function decodeQuotedPrintable(text: string): Uint8Array {
  const joined = text.replace(/=\r?\n/g, '')
  const out: number[] = []
  for (let i = 0; i < joined.length; i++) {
    const c = joined.charCodeAt(i)
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(joined.slice(i + 1, i + 3), 16))
      i += 2
    } else if (c < 0x80) {
      out.push(c)
    } else {
      out.push(...new TextEncoder().encode(joined[i] ?? ''))
    }
  }
  return Uint8Array.from(out)
}

/** Bytes to text in the part's charset; unknown charsets fall back to latin1, invalid UTF-8 too. */
export function decodeBytes(bytes: Uint8Array, charset: string | undefined): string {
  const label = (charset ?? 'us-ascii').toLowerCase()
  if (label === 'utf-8' || label === 'utf8') {
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
    } catch {
      // Mislabelled latin1 is common in 2002 mail.
    }
  }
  try {
    return new TextDecoder(label === 'us-ascii' ? 'latin1' : label).decode(bytes)
  } catch {
    return new TextDecoder('latin1').decode(bytes)
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®' }

/** HTML to text: drops script/style/comments and tags (block tags become line breaks), decodes entities. */
export function htmlToText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<(br|p|div|tr|li|h[1-6]|table)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10)
        return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : ' '
      }
      return ENTITIES[name.toLowerCase()] ?? whole
    })
}

/** Collapses runs of spaces/tabs, trims lines, and keeps at most one blank line. */
export function normalizeWhitespace(text: string): string {
  return text
    .replace(/\u00a0/g, ' ')
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\r]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

/** The decoded text of one MIME part (recursing into multiparts); '' for non-text parts. */
function partText(part: ParsedMessage, depth: number): string {
  const type = (part.headers.get('content-type') ?? 'text/plain').toLowerCase()
  if (type.startsWith('multipart/') && depth < 8) {
    const boundary = headerParam(part.headers.get('content-type') ?? '', 'boundary')
    if (boundary === undefined) return ''
    const pieces = part.body.split(`--${boundary}`).slice(1)
    const parts = pieces.filter((p) => !p.startsWith('--')).map((p) => splitMessage(p.replace(/^[ \t]*\n/, '')))
    if (type.startsWith('multipart/alternative')) {
      // One rendering is enough: prefer plain text, else the last (richest) one.
      const plain = parts.find((p) => (p.headers.get('content-type') ?? 'text/plain').toLowerCase().startsWith('text/plain'))
      const chosen = plain ?? parts[parts.length - 1]
      return chosen === undefined ? '' : partText(chosen, depth + 1)
    }
    return parts
      .map((p) => partText(p, depth + 1))
      .filter((t) => t !== '')
      .join('\n\n')
  }
  if (type.startsWith('message/rfc822') && depth < 8) return partText(splitMessage(part.body), depth + 1)
  if (!type.startsWith('text/')) return ''
  const encoding = (part.headers.get('content-transfer-encoding') ?? '').toLowerCase().trim()
  const charset = headerParam(type, 'charset')
  let text = part.body
  if (encoding === 'quoted-printable') text = decodeBytes(decodeQuotedPrintable(text), charset)
  else if (encoding === 'base64') text = decodeBytes(Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'base64')), charset)
  return type.startsWith('text/html') || /<html|<body|<table|<font|<br>/i.test(text.slice(0, 2000)) ? htmlToText(text) : text
}

/** The classifier's view of a raw email: body text only, decoded, HTML stripped, whitespace normalised. */
export function emailBody(raw: string): string {
  return normalizeWhitespace(partText(splitMessage(raw), 0))
}
