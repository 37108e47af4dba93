import { describe, expect, it } from 'vitest'
import { decodeQuotedPrintable, emailBody, headerParam, htmlToText, normalizeWhitespace, splitMessage } from '../email.ts'

const crlf = (s: string): string => s.replace(/\n/g, '\r\n')

describe('splitMessage', () => {
  it('drops the mbox From line, unfolds headers and lower-cases their names', () => {
    const m = splitMessage('From a@b  Mon Jun 24 2002\nSubject: Hello\n  world\nContent-Type: text/plain\n\nBody line\n\nmore')
    expect(m.headers.get('subject')).toBe('Hello world')
    expect(m.headers.get('content-type')).toBe('text/plain')
    expect(m.body).toBe('Body line\n\nmore')
  })
  it('treats CRLF like LF', () => {
    expect(splitMessage(crlf('Subject: x\n\nbody')).body).toBe('body')
  })
})

describe('decoding', () => {
  it('reads quoted or bare header parameters', () => {
    expect(headerParam('multipart/alternative; boundary="--=_X y"', 'boundary')).toBe('--=_X y')
    expect(headerParam('text/plain; charset=ISO-8859-1; format=flowed', 'charset')).toBe('ISO-8859-1')
    expect(headerParam('text/plain', 'charset')).toBeUndefined()
  })
  it('decodes quoted-printable escapes and soft line breaks', () => {
    expect(new TextDecoder('latin1').decode(decodeQuotedPrintable('caf=E9 au =\nlait =3D ok'))).toBe('café au lait = ok')
  })
  it('turns HTML into text without scripts, styles or tags, decoding entities', () => {
    const text = htmlToText(
      '<html><head><style>p{}</style></head><body><p>Buy&nbsp;<b>now</b> &amp; save &#36;5</p><script>x()</script><!-- hidden --></body></html>',
    )
    expect(normalizeWhitespace(text)).toBe('Buy now & save $5')
  })
})

describe('emailBody', () => {
  it('returns the plain body without any header', () => {
    const body = emailBody('From: spammer@example.com\nSubject: WIN\nX-Spam-Flag: YES\n\nHello   there,\n\n\n\nbye')
    expect(body).toBe('Hello there,\n\nbye')
    expect(body).not.toContain('spammer')
  })
  it('prefers text/plain in multipart/alternative and decodes base64 and quoted-printable parts', () => {
    const plain = Buffer.from('Plain caf\u00e9 offer', 'utf8').toString('base64')
    const raw = [
      'Content-Type: multipart/alternative; boundary="BOUND"',
      '',
      'preamble',
      '--BOUND',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      plain,
      '--BOUND',
      'Content-Type: text/html',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '<p>HTML =3D offer</p>',
      '--BOUND--',
      '',
    ].join('\n')
    expect(emailBody(raw)).toBe('Plain café offer')
  })
  it('reads HTML-only mail as text and skips attachments of mixed messages', () => {
    const raw = [
      'Content-Type: multipart/mixed; boundary=b1',
      '',
      '--b1',
      'Content-Type: text/html; charset="us-ascii"',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '<b>Cheap</b> pil=\nls',
      '--b1',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
      '',
      'AAECAw==',
      '--b1--',
    ].join('\n')
    expect(emailBody(raw)).toBe('Cheap pills')
  })
})
