/**
 * The compiled tokenizers inside workerd: compile there (pure Web APIs), store
 * the bytes in the real KV binding, read them back, load and encode every
 * public vector. The files come in as text through Vite's `?raw` imports,
 * from the shared/ folder beside the checkout (scripts/paths.ts's default).
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import albertJson from '../../../../shared/tokenizers/albert-base-v2/tokenizer.json?raw'
import electraJson from '../../../../shared/tokenizers/electra-small/tokenizer.json?raw'
import albertVectors from '../../../../shared/tokenizers/vectors/albert-base-v2.tokenizers-js.json?raw'
import bertVectors from '../../../../shared/tokenizers/vectors/bert-base-uncased.tokenizers-js.json?raw'
import { compileTokenizer, loadTokenizer } from '../../../src/core/tokenizers/index.ts'

interface Vector {
  text: string
  text_pair?: string
  ids: number[]
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('')
}

describe.each([
  ['albert-base-v2', albertJson, albertVectors],
  ['electra-small', electraJson, bertVectors],
])('%s in workerd', (name, json, vectorsJson) => {
  it('round-trips through KV and encodes every vector exactly', async () => {
    const compiled = compileTokenizer(json)
    const key = `tokenizers/${await sha256Hex(compiled)}`
    await env.TOKENIZERS.put(key, compiled)
    const stored = await env.TOKENIZERS.get(key, 'arrayBuffer')
    expect(stored).not.toBeNull()
    const bytes = new Uint8Array(stored ?? new ArrayBuffer(0))

    const t0 = performance.now()
    const tok = loadTokenizer(bytes)
    const loadMs = performance.now() - t0

    const vectors = Object.values(JSON.parse(vectorsJson) as Record<string, Vector>)
    for (const v of vectors) {
      const input = v.text_pair === undefined ? { text: v.text } : { text: v.text, text_pair: v.text_pair }
      expect(tok.encode(input, { max_length: 512, truncation: false }).ids).toEqual(v.ids)
    }

    // figures for the benchmark report only (workerd's clock advances only across I/O, so read with care)
    const text = 'The quick brown fox jumps over the lazy dog near the riverbank, while curious children watch from the old wooden bridge. '
    const n = 200
    const t1 = performance.now()
    for (let i = 0; i < n; i++) tok.encode({ text: text + i }, { max_length: 64, truncation: true })
    await env.TOKENIZERS.get('clock-tick')
    console.log(
      JSON.stringify({ workerd: name, bytes: bytes.byteLength, load_ms: loadMs, encode_ms_per_64_tokens: (performance.now() - t1) / n }),
    )
  })
})
