/**
 * Shared by the quantizer tests: seeded batches of token ids, running a model
 * under onnxruntime-node or onnxruntime-web (WASM, one thread) in Node, and
 * comparing logits.
 *
 * int8 is judged under onnxruntime-web, the engine that serves it: its Wasm
 * kernel widens u8 x s8 products before adding them, so it computes the exact
 * integers on every CPU. onnxruntime-node's kernels differ by ISA: x86 without
 * VNNI adds pairs of products into a saturating int16 (vpmaddubsw), so native
 * int8 logits on full-range weights are no reference (docs/int8-exactness.md).
 */
import { expect } from 'vitest'
import * as ortWeb from 'onnxruntime-web'
import * as ortNode from 'onnxruntime-node'
import { makeGraph, makeModel, makeNode, makeTensor, makeValueInfo } from '../../../scripts/onnx/builder.ts'
import { onnx, writeModel } from '../../../scripts/onnx/proto.ts'
import { openNodeSession } from '../../../scripts/ort/node.ts'
import type { Int64Input } from '../../../src/core/inference/session.ts'

ortWeb.env.wasm.numThreads = 1

export type Feeds = Record<string, Int64Input>

/** `count` sequences of `seq` ids in [0, vocab), with some trailing padding and a second segment. */
export function randomFeeds(count: number, seq: number, vocab: number, seed: number): Feeds {
  let s = seed >>> 0
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 4294967296
  }
  const ids = new BigInt64Array(count * seq)
  const mask = new BigInt64Array(count * seq)
  const types = new BigInt64Array(count * seq)
  for (let b = 0; b < count; b++) {
    const length = seq - Math.floor(next() * (seq / 2)) // some rows padded
    const split = Math.floor(length / 2 + next() * (length / 2))
    for (let t = 0; t < seq; t++) {
      const i = b * seq + t
      ids[i] = t < length ? BigInt(Math.floor(next() * vocab)) : 0n
      mask[i] = t < length ? 1n : 0n
      types[i] = t >= split && t < length ? 1n : 0n
    }
  }
  const dims: [number, number] = [count, seq]
  return { input_ids: { data: ids, dims }, attention_mask: { data: mask, dims }, token_type_ids: { data: types, dims } }
}

/** Logits as rows, under onnxruntime-node (one thread). */
export async function runNode(model: Uint8Array, feeds: Feeds): Promise<number[][]> {
  const session = await openNodeSession(model)
  try {
    const out = await session.run(feeds)
    return rows(out.data, out.dims[1])
  } finally {
    await session.release()
  }
}

/** Logits as rows, under onnxruntime-web's WASM backend (SIMD, one thread) in Node. */
export async function runWeb(model: Uint8Array, feeds: Feeds): Promise<number[][]> {
  const session = await ortWeb.InferenceSession.create(model, { executionProviders: ['wasm'] })
  try {
    const tensors = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ortWeb.Tensor('int64', v.data, v.dims)]))
    const out = await session.run(tensors)
    const logits = out.logits
    if (logits === undefined) throw new Error('no logits')
    return rows(logits.data as Float32Array, logits.dims[1] ?? 0)
  } finally {
    await session.release()
  }
}

/**
 * What native int8 on full-range weights must do on every ISA: load, and answer
 * one finite row of `width` logits per input. No closer bound holds on x86
 * without VNNI, where saturation moves logits by data-dependent amounts.
 */
export function expectRunsNatively(logits: number[][], count: number, width: number): void {
  expect(logits).toHaveLength(count)
  for (const row of logits) {
    expect(row).toHaveLength(width)
    for (const v of row) expect(Number.isFinite(v)).toBe(true)
  }
}

const rows = (data: Float32Array, width: number): number[][] =>
  Array.from({ length: data.length / width }, (_, r) => Array.from(data.subarray(r * width, (r + 1) * width)))

export const maxAbsDiff = (a: number[][], b: number[][]): number =>
  Math.max(...a.flatMap((row, r) => row.map((v, c) => Math.abs(v - (b[r]?.[c] ?? Number.NaN)))))

/** A model that only looks rows up in `table` [vocab, width]: input_ids -> embeddings. */
export function embeddingModel(table: Float32Array, vocab: number, width: number): Uint8Array {
  const T = onnx.TensorProto.DataType
  const graph = makeGraph(
    [makeNode('Gather', ['table', 'input_ids'], ['embeddings'])],
    'embeddings',
    [makeValueInfo('input_ids', T.INT64, ['batch', 'sequence'])],
    [makeValueInfo('embeddings', T.FLOAT, ['batch', 'sequence', width])],
    [makeTensor('table', table, [vocab, width])],
  )
  return writeModel(makeModel(graph))
}

/** Runs an embedding-only model under onnxruntime-node. */
export async function runGather(model: Uint8Array, feeds: Feeds): Promise<Float32Array> {
  const session = await ortNode.InferenceSession.create(model)
  const ids = feeds.input_ids
  if (ids === undefined) throw new Error('input_ids missing')
  const out = await session.run({ input_ids: new ortNode.Tensor('int64', ids.data, ids.dims) })
  await session.release()
  return out.embeddings?.data as Float32Array
}
