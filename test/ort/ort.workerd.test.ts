import { describe, expect, it } from 'vitest'
import { createSession, wasmMemoryBytes } from '../../src/ort/ort.ts'
import { fixture } from '../support/fixtures.ts'
import { tinyLogits } from '../support/tiny-model.ts'

const i64 = (a: number[], rows: number): { data: BigInt64Array; dims: [number, number] } => ({
  data: BigInt64Array.from(a.map(BigInt)),
  dims: [rows, a.length / rows],
})

describe('onnxruntime-web in workerd', () => {
  it('creates concurrent sessions while the backend starts (first in the file, so the backend is cold)', async () => {
    const bytes = await fixture('tiny.onnx')
    const sessions = await Promise.all([createSession(bytes), createSession(bytes), createSession(bytes)])
    for (const s of sessions) {
      const out = await s.run({ input_ids: i64([7], 1), attention_mask: i64([1], 1), token_type_ids: i64([1], 1) })
      tinyLogits([7], [1], [1]).forEach((v, i) => expect(out.data[i]).toBeCloseTo(v, 5))
      await s.release()
    }
  })

  it('creates a session from ONNX bytes and runs a padded batch', async () => {
    const session = await createSession(await fixture('tiny.onnx'))
    expect([...session.inputNames].sort()).toEqual(['attention_mask', 'input_ids', 'token_type_ids'])
    const out = await session.run({
      input_ids: i64([1, 2, 3, 4, 5, 0], 2),
      attention_mask: i64([1, 1, 1, 1, 1, 0], 2),
      token_type_ids: i64([0, 1, 1, 0, 0, 0], 2),
    })
    expect(out.dims).toEqual([2, 3])
    const expected = [...tinyLogits([1, 2, 3], [1, 1, 1], [0, 1, 1]), ...tinyLogits([4, 5, 0], [1, 1, 0], [0, 0, 0])]
    expected.forEach((v, i) => expect(out.data[i]).toBeCloseTo(v, 5))
    expect(wasmMemoryBytes()).toBeGreaterThan(0)
    await session.release()
  })

  it('names a missing input', async () => {
    const session = await createSession(await fixture('tiny.onnx'))
    await expect(session.run({ input_ids: i64([1], 1), attention_mask: i64([1], 1) })).rejects.toThrow(/token_type_ids/)
    await session.release()
  })

  it('rejects bytes that are not a model with a typed error', async () => {
    await expect(createSession(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ kind: 'ort_error' })
  })
})
