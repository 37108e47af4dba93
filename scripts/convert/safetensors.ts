import { readFile } from 'node:fs/promises'
import { AppError } from '../../src/core/errors.ts'

/**
 * Reader and writer for the safetensors format
 * (huggingface/safetensors: 8-byte little-endian header length, a JSON header
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }`,
 * then the raw little-endian tensor bytes; offsets are relative to the data).
 */

/** The dtypes this reader understands. Floats come back as Float32Array. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I8' | 'U8' | 'BOOL'

const BYTES_PER_ELEMENT: Record<SafetensorsDtype, number> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  F64: 8,
  I64: 8,
  I32: 4,
  I8: 1,
  U8: 1,
  BOOL: 1,
}

const isDtype = (s: string): s is SafetensorsDtype => Object.hasOwn(BYTES_PER_ELEMENT, s)

/** One tensor: F32/F16/BF16/F64 as Float32Array, I64 as BigInt64Array, I32 as Int32Array, I8 as Int8Array, U8/BOOL as Uint8Array. */
export type SafeTensor =
  | { dtype: 'F32' | 'F16' | 'BF16' | 'F64'; shape: number[]; data: Float32Array }
  | { dtype: 'I64'; shape: number[]; data: BigInt64Array }
  | { dtype: 'I32'; shape: number[]; data: Int32Array }
  | { dtype: 'I8'; shape: number[]; data: Int8Array }
  | { dtype: 'U8' | 'BOOL'; shape: number[]; data: Uint8Array }

/** A parsed file: tensors by name (in header order) and the `__metadata__` strings. */
export interface Safetensors {
  tensors: Map<string, SafeTensor>
  metadata: Record<string, string>
}

/** What went wrong reading a safetensors file. */
export type SafetensorsErrorType = 'truncated' | 'invalid_header' | 'unknown_dtype' | 'size_mismatch'

/** The JSON header entry of one tensor. */
interface HeaderEntry {
  dtype: string
  shape: number[]
  data_offsets: [number, number]
}

const isHeaderEntry = (v: unknown): v is HeaderEntry => {
  if (typeof v !== 'object' || v === null) return false
  const e = v as Record<string, unknown>
  return (
    typeof e.dtype === 'string' &&
    Array.isArray(e.shape) &&
    e.shape.every((d) => Number.isSafeInteger(d) && d >= 0) &&
    Array.isArray(e.data_offsets) &&
    e.data_offsets.length === 2 &&
    e.data_offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
  )
}

/** IEEE half bits -> float. */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * frac * 2 ** -24
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY
  return sign * (1 + frac / 1024) * 2 ** (exp - 15)
}

const f32Scratch = new Float32Array(1)
const u32Scratch = new Uint32Array(f32Scratch.buffer)

/** float -> IEEE half bits, round to nearest even (like numpy's astype(float16)). */
export function f32ToF16(value: number): number {
  f32Scratch[0] = value
  const x = u32Scratch[0] ?? 0
  const sign = (x >>> 16) & 0x8000
  const exp = (x >>> 23) & 0xff
  const mant = x & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0) // inf / NaN
  const e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00 // overflow -> inf
  if (e <= 0) {
    if (e < -10) return sign // underflow -> signed zero
    // Subnormal half: shift the mantissa (with its implicit 1) into place, rounding to even.
    const m = mant | 0x800000
    const shift = 14 - e
    const half = 1 << (shift - 1)
    const rest = m & ((1 << shift) - 1)
    let r = m >>> shift
    if (rest > half || (rest === half && r & 1)) r++
    return sign | r
  }
  let r = (e << 10) | (mant >>> 13)
  const rest = mant & 0x1fff
  if (rest > 0x1000 || (rest === 0x1000 && r & 1)) r++ // a carry into the exponent is still correct
  return sign | r
}

/** bfloat16 bits -> float (the high half of a float32). */
const bf16ToF32 = (b: number): number => {
  u32Scratch[0] = b << 16
  return f32Scratch[0] ?? 0
}

function decode(entry: HeaderEntry & { dtype: SafetensorsDtype }, bytes: Uint8Array): SafeTensor {
  const shape = entry.shape
  const n = shape.reduce((a, b) => a * b, 1)
  // Copy into an aligned buffer: the data section starts at 8 + header length, rarely
  // aligned (and a Node Buffer's slice() would not copy).
  const copy = new Uint8Array(bytes.byteLength)
  copy.set(bytes)
  const buf = copy.buffer
  switch (entry.dtype) {
    case 'F32':
      return { dtype: 'F32', shape, data: new Float32Array(buf, 0, n) }
    case 'F64':
      return { dtype: 'F64', shape, data: Float32Array.from(new Float64Array(buf, 0, n)) }
    case 'F16': {
      const src = new Uint16Array(buf, 0, n)
      const data = new Float32Array(n)
      for (let i = 0; i < n; i++) data[i] = f16ToF32(src[i] ?? 0)
      return { dtype: 'F16', shape, data }
    }
    case 'BF16': {
      const src = new Uint16Array(buf, 0, n)
      const data = new Float32Array(n)
      for (let i = 0; i < n; i++) data[i] = bf16ToF32(src[i] ?? 0)
      return { dtype: 'BF16', shape, data }
    }
    case 'I64':
      return { dtype: 'I64', shape, data: new BigInt64Array(buf, 0, n) }
    case 'I32':
      return { dtype: 'I32', shape, data: new Int32Array(buf, 0, n) }
    case 'I8':
      return { dtype: 'I8', shape, data: new Int8Array(buf, 0, n) }
    case 'U8':
    case 'BOOL':
      return { dtype: entry.dtype, shape, data: new Uint8Array(buf, 0, n) }
  }
}

/**
 * Parses a safetensors file. Throws {@link SafetensorsError} for a truncated
 * file, a malformed header, an unknown dtype or a byte range that does not
 * match its shape.
 */
export function readSafetensors(bytes: Uint8Array, source = 'safetensors file'): Safetensors {
  if (bytes.byteLength < 8) {
    throw new AppError('invalid_safetensors', `${source}: ${bytes.byteLength} bytes, too short for the 8-byte header length`)
  }
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true))
  if (8 + headerLength > bytes.byteLength) {
    throw new AppError(
      'invalid_safetensors',
      `${source}: header claims ${headerLength} bytes but the file has ${bytes.byteLength}; is the download complete?`,
    )
  }
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)))
  } catch (e) {
    throw new AppError('invalid_safetensors', `${source}: header is not JSON (${(e as Error).message})`)
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new AppError('invalid_safetensors', `${source}: header is not a JSON object`)
  }
  const data = bytes.subarray(8 + headerLength)
  const tensors = new Map<string, SafeTensor>()
  let metadata: Record<string, string> = {}
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
      continue
    }
    if (!isHeaderEntry(value)) {
      throw new AppError('invalid_safetensors', `${source}: tensor "${name}" needs dtype, shape and data_offsets [begin, end]`)
    }
    if (!isDtype(value.dtype)) {
      throw new AppError(
        'invalid_safetensors',
        `${source}: tensor "${name}" has dtype ${value.dtype}; supported: ${Object.keys(BYTES_PER_ELEMENT).join(', ')}`,
      )
    }
    const [begin, end] = value.data_offsets
    if (end > data.byteLength) {
      throw new AppError(
        'invalid_safetensors',
        `${source}: tensor "${name}" ends at data byte ${end} but the file holds ${data.byteLength} data bytes; is the download complete?`,
      )
    }
    const expected = value.shape.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[value.dtype]
    if (end - begin !== expected) {
      throw new AppError(
        'invalid_safetensors',
        `${source}: tensor "${name}" ${value.dtype}[${value.shape.join(', ')}] needs ${expected} bytes, data_offsets give ${end - begin}`,
      )
    }
    tensors.set(name, decode({ ...value, dtype: value.dtype }, data.subarray(begin, end)))
  }
  return { tensors, metadata }
}

/** Reads and parses a `.safetensors` file from disk. */
export async function loadSafetensors(path: string): Promise<Safetensors> {
  return readSafetensors(await readFile(path), path)
}

/** A tensor to write: float data, stored as F32 or F16. */
export interface WritableTensor {
  dtype: 'F32' | 'F16'
  shape: number[]
  data: Float32Array
}

/**
 * Serialises float tensors to safetensors bytes (tensors in name order, header
 * padded with spaces to 8 bytes like the reference writer).
 */
export function writeSafetensors(tensors: Record<string, WritableTensor>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort()
  const header: Record<string, unknown> = {}
  if (metadata) header.__metadata__ = metadata
  let offset = 0
  for (const name of names) {
    const t = tensors[name]
    if (!t) continue
    const n = t.shape.reduce((a, b) => a * b, 1)
    if (n !== t.data.length) {
      throw new Error(`writeSafetensors: "${name}" has shape [${t.shape.join(', ')}] (${n} elements) but ${t.data.length} values`)
    }
    const size = n * BYTES_PER_ELEMENT[t.dtype]
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] }
    offset += size
  }
  let json = JSON.stringify(header)
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).byteLength) % 8)) % 8)
  const headerBytes = new TextEncoder().encode(json)
  const out = new Uint8Array(8 + headerBytes.byteLength + offset)
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true)
  out.set(headerBytes, 8)
  let at = 8 + headerBytes.byteLength
  for (const name of names) {
    const t = tensors[name]
    if (!t) continue
    if (t.dtype === 'F32') {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at)
      at += t.data.byteLength
    } else {
      const half = new Uint16Array(t.data.length)
      for (let i = 0; i < t.data.length; i++) half[i] = f32ToF16(t.data[i] ?? 0)
      out.set(new Uint8Array(half.buffer), at)
      at += half.byteLength
    }
  }
  return out
}
