import { describe, expect, it } from 'vitest'
import { f16ToF32, f32ToF16, readSafetensors, type SafeTensor, writeSafetensors } from '../../../scripts/convert/safetensors.ts'
import { AppError } from '../../../src/core/errors.ts'

/** A tensor's elements as a plain array (numbers or bigints). */
const values = (t: SafeTensor | undefined): (number | bigint)[] => Array.from<number | bigint>(t?.data ?? [])

/** Hand-assembles a safetensors file from a header object and raw data bytes. */
function assemble(header: object, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header))
  const out = new Uint8Array(8 + json.byteLength + data.byteLength)
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true)
  out.set(json, 8)
  out.set(data, 8 + json.byteLength)
  return out
}

/** The kind and message of what `f` throws, e.g. "invalid_safetensors: ... too short ...". */
const errorType = (f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    if (e instanceof AppError) return `${e.kind}: ${e.message}`
    throw e
  }
  return 'no error'
}

describe('safetensors', () => {
  it('round-trips F32 exactly and keeps shapes, order-independent names and metadata', () => {
    const a = new Float32Array([1.5, -2.25, 3e-8, 1e30, 0, -0])
    const b = new Float32Array([7])
    const bytes = writeSafetensors(
      { 'z.weight': { dtype: 'F32', shape: [2, 3], data: a }, 'a.bias': { dtype: 'F32', shape: [1], data: b } },
      { format: 'pt' },
    )
    const { tensors, metadata } = readSafetensors(bytes)
    expect(metadata).toEqual({ format: 'pt' })
    expect([...tensors.keys()].sort()).toEqual(['a.bias', 'z.weight'])
    const z = tensors.get('z.weight')
    expect(z?.shape).toEqual([2, 3])
    expect(z?.dtype).toBe('F32')
    expect(values(z)).toEqual(Array.from(a))
    // The header is padded so the data section starts 8-byte aligned.
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true))
    expect((8 + headerLength) % 8).toBe(0)
  })

  it('round-trips F16 within half precision and exactly for representable values', () => {
    const input = new Float32Array([0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8, 0.1, 3.14159])
    const { tensors } = readSafetensors(writeSafetensors({ h: { dtype: 'F16', shape: [input.length], data: input } }))
    const h = tensors.get('h')
    expect(h?.dtype).toBe('F16')
    const back = values(h)
    for (let i = 0; i < 7; i++) expect(back[i]).toBe(input[i])
    expect(back[7]).toBeCloseTo(0.0999755859375, 12) // nearest half to 0.1
    expect(back[8]).toBeCloseTo(3.140625, 12)
  })

  it('rounds F16 to nearest even and handles overflow, subnormals and NaN', () => {
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00) // tie -> even (down)
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02) // tie -> even (up)
    expect(f32ToF16(1e6)).toBe(0x7c00)
    expect(f32ToF16(-1e6)).toBe(0xfc00)
    expect(f16ToF32(f32ToF16(2 ** -20))).toBe(2 ** -20)
    expect(Number.isNaN(f16ToF32(f32ToF16(Number.NaN)))).toBe(true)
  })

  it('reads BF16, I64 and I32 tensors', () => {
    // bf16 is the top half of a float32: 1.0 = 0x3f80, -2.5 = 0xc020, 3.140625 = 0x4049.
    const bf16 = new Uint16Array([0x3f80, 0xc020, 0x4049])
    const i64 = new BigInt64Array([-1n, 2n ** 40n])
    const i32 = new Int32Array([7, -8])
    const data = new Uint8Array(6 + 16 + 8)
    data.set(new Uint8Array(bf16.buffer), 0)
    data.set(new Uint8Array(i64.buffer), 6)
    data.set(new Uint8Array(i32.buffer), 22)
    const { tensors } = readSafetensors(
      assemble(
        {
          b: { dtype: 'BF16', shape: [3], data_offsets: [0, 6] },
          l: { dtype: 'I64', shape: [2], data_offsets: [6, 22] },
          i: { dtype: 'I32', shape: [1, 2], data_offsets: [22, 30] },
        },
        data,
      ),
    )
    expect(values(tensors.get('b'))).toEqual([1, -2.5, 3.140625])
    expect(values(tensors.get('l'))).toEqual([-1n, 2n ** 40n])
    expect(values(tensors.get('i'))).toEqual([7, -8])
  })

  it('rejects truncated files, unknown dtypes and mismatched sizes with typed errors', () => {
    const good = writeSafetensors({ w: { dtype: 'F32', shape: [4], data: new Float32Array(4) } })
    expect(errorType(() => readSafetensors(good.subarray(0, 5)))).toMatch(
      /^invalid_safetensors: .*(too short|claims|is the download complete)/,
    )
    expect(errorType(() => readSafetensors(good.subarray(0, 20)))).toMatch(
      /^invalid_safetensors: .*(too short|claims|is the download complete)/,
    )
    expect(errorType(() => readSafetensors(good.subarray(0, good.byteLength - 1)))).toMatch(
      /^invalid_safetensors: .*(too short|claims|is the download complete)/,
    )
    expect(
      errorType(() => readSafetensors(assemble({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)))),
    ).toMatch(/^invalid_safetensors: .*has dtype F8_E4M3; supported/)
    expect(
      errorType(() => readSafetensors(assemble({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)))),
    ).toMatch(/^invalid_safetensors: .*needs 12 bytes, data_offsets give 8/)
    expect(errorType(() => readSafetensors(assemble({ w: { dtype: 'F32' } }, new Uint8Array(0))))).toMatch(
      /^invalid_safetensors: .*needs dtype, shape and data_offsets/,
    )
  })
})
