import * as ort from 'onnxruntime-node'
import { expect, it } from 'vitest'
import { generateTensors, resolveConfig, type GenerateOptions } from '../../../scripts/checkpoint/generate.ts'
import type { HfConfig } from '../../../scripts/convert/config.ts'
import { convertWeights } from '../../../scripts/convert/index.ts'
import { CheckpointWeights } from '../../../scripts/convert/weights.ts'
import type { SafeTensor } from '../../../scripts/convert/safetensors.ts'
import type { RefInput } from '../../support/reference/ops.ts'

/** A seeded checkpoint in memory: its config, tensors as the converter reads them, and plain float maps. */
export function tinyCheckpoint(options: GenerateOptions): {
  config: HfConfig
  tensors: Map<string, SafeTensor>
  floats: Map<string, Float32Array>
} {
  const config = resolveConfig(options)
  const generated = generateTensors(config, options)
  const tensors = new Map<string, SafeTensor>(
    Object.entries(generated).map(([name, t]) => [name, { dtype: 'F32', shape: t.shape, data: t.data }]),
  )
  const floats = new Map(Object.entries(generated).map(([name, t]) => [name, t.data]))
  return { config, tensors, floats }
}

/** Converts in memory (the file path is covered separately). */
export const convertInMemory = (config: HfConfig, tensors: Map<string, SafeTensor>): Uint8Array =>
  convertWeights(config, new CheckpointWeights(tensors)).onnx

/**
 * A padded batch: a single sentence, a short one padded by 4, and a text pair
 * using token_type_ids 1 for the second segment. Ids are valid in both the
 * BERT (30522) and ALBERT (30000) vocabularies.
 */
export const BATCH: RefInput[] = [
  { input_ids: [101, 2023, 2003, 1037, 3231, 102, 0], attention_mask: [1, 1, 1, 1, 1, 1, 0], token_type_ids: [0, 0, 0, 0, 0, 0, 0] },
  { input_ids: [101, 7592, 102, 0, 0, 0, 0], attention_mask: [1, 1, 1, 0, 0, 0, 0], token_type_ids: [0, 0, 0, 0, 0, 0, 0] },
  { input_ids: [101, 2054, 2003, 102, 2129, 2024, 102], attention_mask: [1, 1, 1, 1, 1, 1, 1], token_type_ids: [0, 0, 0, 0, 1, 1, 1] },
]

/** The same sequence with its padding cut off. */
export const unpadded = (input: RefInput): RefInput => {
  const n = input.attention_mask.filter((m) => m === 1).length
  return {
    input_ids: input.input_ids.slice(0, n),
    attention_mask: input.attention_mask.slice(0, n),
    token_type_ids: input.token_type_ids.slice(0, n),
  }
}

const int64 = (rows: number[][]): ort.Tensor =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from(rows.flat(), (v) => BigInt(v)),
    [rows.length, rows[0]?.length ?? 0],
  )

/** Runs an ONNX classifier on a batch with onnxruntime-node, feeding only the inputs the graph declares; returns logits per row. */
export async function runOnnx(model: Uint8Array, batch: RefInput[]): Promise<number[][]> {
  const session = await ort.InferenceSession.create(model)
  try {
    const all: Record<string, ort.Tensor> = {
      input_ids: int64(batch.map((b) => b.input_ids)),
      attention_mask: int64(batch.map((b) => b.attention_mask)),
      token_type_ids: int64(batch.map((b) => b.token_type_ids)),
    }
    const out = await session.run(Object.fromEntries(session.inputNames.map((name) => [name, all[name] as ort.Tensor])))
    const logits = out.logits
    if (!logits) throw new Error('no logits output')
    const [rows = 0, cols = 0] = logits.dims
    const data = logits.data as Float32Array
    return Array.from({ length: rows }, (_, r) => Array.from(data.subarray(r * cols, (r + 1) * cols)))
  } finally {
    await session.release()
  }
}

/** Largest absolute element-wise difference between two logit tables. */
export const maxAbsDiff = (a: number[][], b: number[][]): number =>
  Math.max(...a.flatMap((row, r) => row.map((v, c) => Math.abs(v - (b[r]?.[c] ?? Number.NaN)))))

/** The logits a converted model must match within 1e-4: the Float64 reference's. */
export const PARITY_TOL = 1e-4

/**
 * The parity tests every converter meets against its Float64 reference, for
 * a model with three labels: the padded batch with a text pair, and each row
 * alone without padding. Call it inside a describe.
 */
export function itMatchesReference(model: Uint8Array, reference: (input: RefInput) => number[]): void {
  it('matches on a padded batch with a text pair', async () => {
    const actual = await runOnnx(model, BATCH)
    expect(actual.map((r) => r.length)).toEqual([3, 3, 3])
    expect(maxAbsDiff(actual, BATCH.map(reference))).toBeLessThan(PARITY_TOL)
    // Rows differ from each other (the inputs matter), so the comparison is not trivially passing.
    expect(maxAbsDiff([actual[0] ?? []], [actual[1] ?? []])).toBeGreaterThan(1e-2)
  })

  it('gives each row the logits of the unpadded sequence run alone', async () => {
    for (const input of BATCH) {
      const [alone] = await runOnnx(model, [unpadded(input)])
      expect(maxAbsDiff([alone ?? []], [reference(input)])).toBeLessThan(PARITY_TOL)
    }
  })
}
