import { readFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateCheckpoint } from '../../../scripts/checkpoint/generate.ts'
import { convertCheckpoint } from '../../../scripts/convert/index.ts'
import { readModel } from '../../../scripts/onnx/proto.ts'
import { optimizeForServing } from '../../../scripts/onnx/optimize.ts'
import { openWebSession } from '../../../scripts/ort/web.ts'
import { tokenizerFile } from '../../../scripts/paths.ts'
import { quantizeModel } from '../../../scripts/quantize/index.ts'
import { compareSessions } from '../../../scripts/verify/index.ts'
import { DEFAULT_TEXTS } from '../../../scripts/verify/texts.ts'
import { compileTokenizer, loadTokenizer } from '../../../src/core/tokenizers/index.ts'
import { type Tokenizer } from '../../../src/core/tokenizers/tokenizer.ts'

let root: string
let int8: Uint8Array
let tokenizer: Tokenizer
const say = (): void => {}
const opsOf = (model: Uint8Array): string[] => (readModel(model).graph?.node ?? []).map((n) => n.opType ?? '')

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'edge-classify-optimize-test-'))
  await generateCheckpoint({ preset: 'electra-tiny', seed: 5, outDir: root, id2label: { '0': 'ham', '1': 'spam' } })
  const { onnx } = await convertCheckpoint(root, { onProgress: say })
  int8 = quantizeModel(onnx, { onProgress: say }).model
  tokenizer = loadTokenizer(compileTokenizer(await readFile(tokenizerFile('electra-small', 'tokenizer.json'), 'utf8')))
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('optimizeForServing', () => {
  it("saves ORT's fusions into the graph, with the input graph's logits under onnxruntime-web", async () => {
    const result = await optimizeForServing(int8, { tokenizer, texts: DEFAULT_TEXTS, max_length: 64, onProgress: say })
    expect(result.optimized).toBe(true)
    // The optimizer fused the dynamic quantization and GELU chains away: fewer, different nodes.
    expect(opsOf(result.model).length).toBeLessThan(opsOf(int8).length)
    expect(opsOf(result.model)).not.toEqual(opsOf(int8))

    const encodings = DEFAULT_TEXTS.slice(0, 8).map((t) => tokenizer.encode(t, { max_length: 64, truncation: true }))
    // Same engine before and after: the fusions change the graph, not the numbers (measured bit-identical).
    const [reference, served] = await Promise.all([openWebSession(int8), openWebSession(result.model)])
    try {
      const cmp = await compareSessions(reference, served, encodings)
      expect(cmp.argmax_agreement).toBe(1)
      expect(cmp.max_abs_diff).toBeLessThan(1e-5)
    } finally {
      await Promise.all([reference.release(), served.release()])
    }
  })

  it('serves the input graph, with the reason, when onnxruntime cannot optimize it', async () => {
    const broken = int8.slice(0, int8.byteLength >> 1)
    const result = await optimizeForServing(broken, { tokenizer, texts: DEFAULT_TEXTS, max_length: 64, onProgress: say })
    expect(result.optimized).toBe(false)
    expect(result.model).toBe(broken)
    if (!result.optimized) expect(result.reason).toMatch(/could not optimize/)
  })
})
