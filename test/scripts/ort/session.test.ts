/**
 * graphFeed: a graph input no tokenizer fills (ERNIE's task_type_ids in an
 * optimum export) is fed task 0, through both session adapters.
 */
import { describe, expect, it } from 'vitest'
import { attrInt, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo } from '../../../scripts/onnx/builder.ts'
import { onnx, writeModel } from '../../../scripts/onnx/proto.ts'
import { openNodeSession } from '../../../scripts/ort/node.ts'
import { openWebSession } from '../../../scripts/ort/web.ts'
import { classifyEncodings } from '../../../src/core/inference/classifier.ts'
import { graphFeed, type Int64Input } from '../../../src/core/inference/session.ts'
import type { Encoding } from '../../../src/core/tokenizers/types.ts'

/** logits = mean over tokens of table[task_type_ids]: row 0 for task 0, row 1 for task 1. */
function taskGraph(): Uint8Array {
  const T = onnx.TensorProto.DataType
  const table = Float32Array.from([2, -2, 9, 9, 9, 9])
  const ids = (name: string) => makeValueInfo(name, T.INT64, ['batch', 'sequence'])
  const graph = makeGraph(
    [
      makeNode('Gather', ['task_table', 'task_type_ids'], ['per_token']),
      makeNode('ReduceMean', ['per_token'], ['logits'], {
        attributes: [
          attrInt('keepdims', 0),
          onnx.AttributeProto.create({ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1] }),
        ],
      }),
    ],
    'task-ids',
    [ids('input_ids'), ids('attention_mask'), ids('task_type_ids')],
    [makeValueInfo('logits', T.FLOAT, ['batch', 2])],
    [makeTensor('task_table', table, [3, 2])],
  )
  return writeModel(makeModel(graph))
}

const encoding = (n: number): Encoding => ({
  ids: Array.from({ length: n }, (_, i) => i + 1),
  tokens: Array.from({ length: n }, () => 't'),
  attention_mask: Array.from({ length: n }, () => 1),
  token_type_ids: Array.from({ length: n }, () => 0),
  offsets: Array.from({ length: n }, () => [0, 0] as [number, number]),
})

describe('graphFeed', () => {
  const ids: Int64Input = { data: new BigInt64Array([5n, 6n, 7n, 8n]), dims: [2, 2] }

  it('passes the given feeds through and makes task_type_ids zeros shaped like input_ids', () => {
    expect(graphFeed('input_ids', { input_ids: ids })).toBe(ids)
    expect(graphFeed('task_type_ids', { input_ids: ids })).toEqual({ data: new BigInt64Array(4), dims: [2, 2] })
    const given: Int64Input = { data: new BigInt64Array([1n, 1n, 1n, 1n]), dims: [2, 2] }
    expect(graphFeed('task_type_ids', { input_ids: ids, task_type_ids: given })).toBe(given)
    expect(graphFeed('position_ids', { input_ids: ids })).toBeUndefined()
  })

  it.each([
    ['onnxruntime-web', openWebSession],
    ['onnxruntime-node', openNodeSession],
  ] as const)('feeds task 0 to a graph that takes task_type_ids (%s)', async (_name, open) => {
    const session = await open(taskGraph())
    try {
      expect(session.inputNames).toContain('task_type_ids')
      const rows = await classifyEncodings(
        session,
        [encoding(3), encoding(5)],
        { pad_id: 0, id2label: { 0: 'a', 1: 'b' } },
        { activation: 'none', top_k: null },
      )
      for (const row of rows)
        expect(row).toEqual([
          { label: 'a', score: 2 },
          { label: 'b', score: -2 },
        ])
    } finally {
      await session.release()
    }
  })
})
