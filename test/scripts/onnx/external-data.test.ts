/**
 * A served int8 model split into a graph and ONNX external data loads under
 * onnxruntime-web (the Worker's build and options) with the same logits, also
 * when the data is handed over one tensor at a time and forgotten as read.
 */
import * as ort from 'onnxruntime-web/wasm'
import { describe, expect, it } from 'vitest'
import { convertWeights } from '../../../scripts/convert/index.ts'
import { CheckpointWeights } from '../../../scripts/convert/weights.ts'
import { toExternalData } from '../../../scripts/onnx/external-data.ts'
import { onnx, readModel } from '../../../scripts/onnx/proto.ts'
import '../../../scripts/ort/web.ts' // onnxruntime-web set up as the pipeline uses it
import { quantizeModel } from '../../../scripts/quantize/index.ts'
import { ExternalDataPieces } from '../../../src/core/inference/external-data.ts'
import { DEFAULT_SESSION_OPTIONS, webSessionOptions } from '../../../src/core/inference/ort-options.ts'
import { BATCH, tinyCheckpoint } from '../convert/helpers.ts'

const { config, tensors } = tinyCheckpoint({ preset: 'distilbert-tiny', seed: 3 })
const int8 = quantizeModel(convertWeights(config, new CheckpointWeights(tensors)).onnx).model

type ExternalData = Array<{ path: string; data: Uint8Array }>

async function logits(graph: Uint8Array, externalData?: ExternalData): Promise<number[]> {
  const session = await ort.InferenceSession.create(graph, {
    ...webSessionOptions(DEFAULT_SESSION_OPTIONS),
    ...(externalData ? { externalData } : {}),
  })
  try {
    const feed = (rows: number[][]) =>
      new ort.Tensor(
        'int64',
        BigInt64Array.from(rows.flat(), (v) => BigInt(v)),
        [rows.length, rows[0]?.length ?? 0],
      )
    const out = await session.run({
      input_ids: feed(BATCH.map((b) => b.input_ids)),
      attention_mask: feed(BATCH.map((b) => b.attention_mask)),
    })
    return Array.from(out.logits?.data as Float32Array)
  } finally {
    await session.release()
  }
}

describe('toExternalData', () => {
  const { graph, data, ranges } = toExternalData(int8, { location: 'model.data' })

  it('moves every large initializer out, aligned, and leaves the graph small', () => {
    expect(ranges.length).toBeGreaterThan(10)
    expect(ranges.every((r) => r.offset % 64 === 0)).toBe(true)
    expect(graph.byteLength).toBeLessThan(int8.byteLength / 10)
    const external = (readModel(graph).graph?.initializer ?? []).filter((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)
    expect(external.map((t) => t.name)).toEqual(ranges.map((r) => r.name))
    const last = ranges.at(-1)
    expect(data.byteLength).toBe((last?.offset ?? 0) + (last?.length ?? 0))
  })

  it('loads under onnxruntime-web with the inline logits, mounted whole or tensor by tensor', async () => {
    const inline = await logits(int8)
    expect(await logits(graph, [{ path: 'model.data', data }])).toEqual(inline)
    const pieces = new Map(ranges.map((r) => [r.offset, data.slice(r.offset, r.offset + r.length)]))
    const handed = new ExternalDataPieces(data.byteLength, pieces)
    expect(await logits(graph, [{ path: 'model.data', data: handed }])).toEqual(inline)
    // Every piece was read once and forgotten.
    expect([handed.remaining, handed.held]).toEqual([0, 0])
  })

  it('refuses a range that was already handed over', () => {
    const pieces = new ExternalDataPieces(8, new Map([[0, new Uint8Array(8)]]))
    expect(pieces.subarray(0, 8).byteLength).toBe(8)
    expect(() => pieces.subarray(0, 8)).toThrow(/no piece for bytes \[0, 8\)/)
  })
})
