/**
 * Tokenizer benchmark (Node): compiled size, load time and encode time per
 * 64-token input (truncated to exactly 64) for both real tokenizers. Prints one JSON object.
 *
 *   node bench/tokenizers.ts
 */
import { readFileSync } from 'node:fs'
import { tokenizerFile } from '../scripts/paths.ts'
import { compileTokenizer, loadTokenizer } from '../src/core/tokenizers/index.ts'

const TEXT =
  'The quick brown fox jumps over the lazy dog near the riverbank, while curious children watch from the old wooden bridge and laugh. ' +
  'Meanwhile, a café owner in Zürich serves crème brûlée to tourists who arrived early this morning, ' +
  'before the rain started and everybody hurried home along the narrow cobblestone streets of the old town.'

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}

function bench(model: string): Record<string, number | string> {
  const json = readFileSync(tokenizerFile(model, 'tokenizer.json'), 'utf8')
  let t = performance.now()
  const bytes = compileTokenizer(json)
  const compileMs = performance.now() - t

  const loads: number[] = []
  for (let i = 0; i < 20; i++) {
    t = performance.now()
    loadTokenizer(bytes)
    loads.push(performance.now() - t)
  }
  t = performance.now()
  const tok = loadTokenizer(bytes)
  const firstEncode = (() => {
    tok.encode({ text: TEXT }, { max_length: 64, truncation: true })
    return performance.now() - t
  })()

  const opts = { max_length: 64, truncation: true }
  const tokens = tok.encode({ text: TEXT }, opts).ids.length
  for (let i = 0; i < 500; i++) tok.encode({ text: TEXT + i }, opts) // warm up the JIT
  const n = 5000
  t = performance.now()
  for (let i = 0; i < n; i++) tok.encode({ text: TEXT + i }, opts)
  const encodeMs = (performance.now() - t) / n
  return {
    model,
    tokenizer_json_bytes: Buffer.byteLength(json),
    compiled_bytes: bytes.byteLength,
    compile_ms: +compileMs.toFixed(1),
    load_ms_first: +(loads[0] ?? NaN).toFixed(3),
    load_ms_median: +median(loads).toFixed(3),
    load_and_first_encode_ms: +firstEncode.toFixed(3),
    tokens_per_input: tokens,
    encode_ms_per_input: +encodeMs.toFixed(4),
  }
}

console.log(JSON.stringify({ node: process.version, results: ['electra-small', 'albert-base-v2'].map(bench) }, null, 2))
