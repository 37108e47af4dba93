import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateCheckpoint } from '../../../scripts/checkpoint/generate.ts'
import { convertCheckpoint } from '../../../scripts/convert/index.ts'
import { openNodeSession } from '../../../scripts/ort/node.ts'
import { tokenizerFile } from '../../../scripts/paths.ts'
import { quantizeModel } from '../../../scripts/quantize/index.ts'
import { argmax, compareSessions, summarize, verifyModels } from '../../../scripts/verify/index.ts'
import { DEFAULT_TEXTS } from '../../../scripts/verify/texts.ts'
import { compileTokenizer, loadTokenizer } from '../../../src/core/tokenizers/index.ts'

let dir = ''
let fp32: Uint8Array = new Uint8Array()
let other: Uint8Array = new Uint8Array()

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verify-'))
  await generateCheckpoint({ preset: 'electra-tiny', seed: 5, outDir: join(dir, 'a') })
  await generateCheckpoint({ preset: 'electra-tiny', seed: 6, outDir: join(dir, 'b') })
  fp32 = (await convertCheckpoint(join(dir, 'a'))).onnx
  other = (await convertCheckpoint(join(dir, 'b'))).onnx
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('verifyModels', () => {
  it('reports high agreement and small logit error for the int8 model on the default texts', async () => {
    const tokenizer = loadTokenizer(compileTokenizer(await readFile(tokenizerFile('electra-small', 'tokenizer.json'), 'utf8')))
    const result = await verifyModels({ fp32, int8: quantizeModel(fp32).model, tokenizer, texts: DEFAULT_TEXTS, max_length: 64 })
    expect(result.texts).toBe(DEFAULT_TEXTS.length)
    expect(result.per_text).toHaveLength(DEFAULT_TEXTS.length)
    expect(result.argmax_agreement).toBeGreaterThanOrEqual(0.9)
    // int8 rounding: a few percent of O(1) logits (see test/scripts/quantize/seeded.test.ts)
    expect(result.max_abs_diff).toBeLessThan(0.1)
    expect(result.mean_abs_diff).toBeGreaterThan(0) // int8 is not bit-identical: the comparison really ran both
    expect(result.mean_abs_diff).toBeLessThanOrEqual(result.max_abs_diff)
    const pair = result.per_text.at(-1)
    expect(pair?.text_pair).toBeDefined()
    expect(pair?.fp32).toHaveLength(2)
  })

  it('refuses an empty text list', async () => {
    const tokenizer = loadTokenizer(compileTokenizer(await readFile(tokenizerFile('electra-small', 'tokenizer.json'), 'utf8')))
    await expect(verifyModels({ fp32, int8: fp32, tokenizer, texts: [], max_length: 16 })).rejects.toThrow(/at least one text/)
  })
})

describe('compareSessions', () => {
  const encodings = Array.from({ length: 24 }, (_, i) => {
    const ids = Array.from({ length: 8 + (i % 5) }, (_, t) => (t === 0 ? 101 : 1000 + ((i * 131 + t * 17) % 25000)))
    return { ids, attention_mask: ids.map(() => 1), token_type_ids: ids.map(() => 0) }
  })

  it('finds identical models identical', async () => {
    const [a, b] = [await openNodeSession(fp32), await openNodeSession(fp32)]
    const r = await compareSessions(a, b, encodings)
    expect(r).toMatchObject({ texts: 24, argmax_agreement: 1, max_abs_diff: 0, mean_abs_diff: 0 })
  })

  it('finds differently seeded models different', async () => {
    const [a, b] = [await openNodeSession(fp32), await openNodeSession(other)]
    const r = await compareSessions(a, b, encodings)
    expect(r.max_abs_diff).toBeGreaterThan(0.5)
    expect(r.per_text.every((t) => t.agree === (argmax(t.fp32) === argmax(t.int8)))).toBe(true)
  })
})

describe('summarize', () => {
  it('aggregates agreement, max and mean absolute difference over all logits', () => {
    const rows = [
      { text: 'a', fp32: [1, 2], int8: [1.5, 2], max_abs_diff: 0.5, agree: true },
      { text: 'b', fp32: [3, 1], int8: [0, 1], max_abs_diff: 3, agree: false },
    ]
    expect(summarize(rows)).toEqual({ texts: 2, argmax_agreement: 0.5, max_abs_diff: 3, mean_abs_diff: 3.5 / 4 })
  })

  it('agrees a one-output model over pairs of texts, since one logit always has the same argmax', () => {
    const row = (fp32: number, int8: number) => ({
      text: 't',
      fp32: [fp32],
      int8: [int8],
      max_abs_diff: Math.abs(fp32 - int8),
      agree: true,
    })
    // fp32 orders a < b < c; int8 swaps b and c: 2 of the 3 pairs keep their order.
    expect(summarize([row(0.1, 0.1), row(0.5, 0.9), row(0.7, 0.6)]).argmax_agreement).toBeCloseTo(2 / 3)
    expect(summarize([row(0.1, 0.2), row(0.5, 0.6), row(0.7, 0.8)]).argmax_agreement).toBe(1)
  })
})
