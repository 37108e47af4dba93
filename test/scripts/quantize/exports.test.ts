/**
 * ONNX exports as optimum writes them (torch.onnx layouts, export-layouts.ts)
 * for BERT, ERNIE and DistilBERT: the graph computes the HF model (against the
 * Float64 references), the quantizer fuses every attention block into
 * QAttention, and int8 under onnxruntime-web stays close to fp32.
 */
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configJson } from '../../../scripts/checkpoint/generate.ts'
import { convertWeights } from '../../../scripts/convert/index.ts'
import { CheckpointWeights } from '../../../scripts/convert/weights.ts'
import { openWebSession } from '../../../scripts/ort/web.ts'
import { tokenizerFile } from '../../../scripts/paths.ts'
import { prepareModel } from '../../../scripts/publish/prepare.ts'
import { quantizeModel } from '../../../scripts/quantize/index.ts'
import { compileTokenizer, loadTokenizer } from '../../../src/core/tokenizers/index.ts'
import { bertLogits } from '../../support/reference/bert.ts'
import { distilbertLogits } from '../../support/reference/distilbert.ts'
import { ernieLogits } from '../../support/reference/ernie.ts'
import { BATCH, maxAbsDiff, runOnnx, tinyCheckpoint } from '../convert/helpers.ts'
import { exportModel, type Layout } from './export-layouts.ts'

const cases: Array<{ name: string; preset: string; layout: Layout; prefix?: string; reference: typeof bertLogits }> = [
  { name: 'BERT (eager attention)', preset: 'bert-tiny', layout: 'eager', reference: bertLogits },
  { name: 'BERT (scaled_dot_product_attention)', preset: 'bert-tiny', layout: 'sdpa', reference: bertLogits },
  { name: 'TinyBERT 4L-312 (sdpa, heads of 26)', preset: 'tinybert-4l-312', layout: 'sdpa', reference: bertLogits },
  { name: 'ERNIE 3.0 (eager, task ids)', preset: 'ernie-tiny', layout: 'eager', prefix: 'ernie', reference: ernieLogits },
  { name: 'ERNIE 3.0 (sdpa, task ids)', preset: 'ernie-tiny', layout: 'sdpa', prefix: 'ernie', reference: ernieLogits },
  { name: 'DistilBERT (masked_fill attention)', preset: 'distilbert-tiny', layout: 'distilbert', reference: distilbertLogits },
]

describe.each(cases)('$name', ({ preset, layout, prefix, reference }) => {
  const { config, floats } = tinyCheckpoint({ preset, seed: 13 })
  const fp32 = exportModel(config, floats, layout, prefix)

  it('computes the HF model (Float64 reference, padded batch with a pair)', async () => {
    const expected = BATCH.map((input) => reference(floats, config, input))
    expect(maxAbsDiff(await runOnnx(fp32, BATCH), expected)).toBeLessThan(1e-4)
  })

  it('quantizes with every attention block fused, int8 close to fp32 under onnxruntime-web', async () => {
    const { model: int8, report } = quantizeModel(fp32)
    expect(report.fused.attention).toBe(config.num_hidden_layers)
    expect(maxAbsDiff(await runWeb(int8), await runOnnx(fp32, BATCH))).toBeLessThan(0.1)
  })
})

/** The logits onnxruntime-web gives `model` on BATCH, one row per input. */
async function runWeb(model: Uint8Array): Promise<number[][]> {
  const session = await openWebSession(model)
  try {
    const feeds = Object.fromEntries(
      session.inputNames.map((name) => {
        const rows = BATCH.map((b) =>
          name === 'input_ids' ? b.input_ids : name === 'attention_mask' ? b.attention_mask : b.token_type_ids,
        )
        return [
          name,
          { data: BigInt64Array.from(rows.flat(), (v) => BigInt(v)), dims: [rows.length, rows[0]?.length ?? 0] as [number, number] },
        ]
      }),
    )
    const out = await session.run(feeds)
    return Array.from({ length: out.dims[0] }, (_, r) => Array.from(out.data.subarray(r * out.dims[1], (r + 1) * out.dims[1])))
  } finally {
    await session.release()
  }
}

describe('an optimum export folder (model.onnx, config.json, tokenizer.json)', () => {
  let root = ''
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'edge-classify-exports-'))
  })
  afterAll(() => rm(root, { recursive: true, force: true }))

  it.each([
    ['distilbert-tiny', 'distilbert' as const, ['input_ids', 'attention_mask']],
    ['bert-tiny', 'sdpa' as const, ['input_ids', 'attention_mask', 'token_type_ids']],
  ])('%s publishes with its own input names and fused attention', async (preset, layout, inputs) => {
    const { config, floats } = tinyCheckpoint({ preset, seed: 13 })
    const dir = join(root, preset)
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'model.onnx'), exportModel(config, floats, layout))
    await writeFile(join(dir, 'config.json'), configJson(config))
    await symlink(tokenizerFile('electra-small', 'tokenizer.json'), join(dir, 'tokenizer.json'))
    const tokenizer = loadTokenizer(compileTokenizer(readFileSync(tokenizerFile('electra-small', 'tokenizer.json'), 'utf8')))
    const model = await prepareModel(dir, { precision: 'int8', tokenizer, onProgress: () => {} })
    expect(model.inputs).toEqual(inputs)
    expect(model.quantization?.fused.attention).toBe(config.num_hidden_layers)
    expect(model.verification?.argmax_agreement).toBeGreaterThanOrEqual(0.95)
  })
})

describe('fused attention with heads of 26 (TinyBERT 4L-312)', () => {
  it('computes what the unfused int8 graph does, padding masked', async () => {
    const { config, tensors } = tinyCheckpoint({ preset: 'tinybert-4l-312', seed: 4 })
    const fp32 = convertWeights(config, new CheckpointWeights(tensors)).onnx
    const fused = quantizeModel(fp32)
    const unfused = quantizeModel(fp32, { fuseAttention: false })
    expect([fused.report.fused.attention, unfused.report.fused.attention]).toEqual([4, 0])
    expect(maxAbsDiff(await runWeb(fused.model), await runWeb(unfused.model))).toBeLessThan(1e-2)
  })
})
