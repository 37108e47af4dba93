import { AppError } from '../errors.ts'

/**
 * The compiled (KV) container: `"ECTK" | u32 version | u32 header length |
 * header JSON | sections`, every section 8-byte aligned so typed arrays view
 * the bytes in place. Little-endian, as every Workers and Node host is.
 */
export const MAGIC = 0x4b544345 // "ECTK" read as u32le
export const FORMAT_VERSION = 1

/** Where a section lives, relative to the start of the container. */
export interface SectionRef {
  offset: number
  length: number
}

const align8 = (n: number): number => (n + 7) & ~7

/** Packs a header object and named byte sections into one container. */
export function pack(header: Record<string, unknown>, sections: Record<string, Uint8Array>): Uint8Array {
  const names = Object.keys(sections)
  // the header holds section offsets, which depend on the header's size: fix point
  let refs: Record<string, SectionRef> = {}
  let headerBytes: Uint8Array = new Uint8Array(0)
  for (let attempt = 0; attempt < 4; attempt++) {
    headerBytes = new TextEncoder().encode(JSON.stringify({ ...header, sections: refs }))
    let at = align8(12 + headerBytes.length)
    const next: Record<string, SectionRef> = {}
    for (const name of names) {
      const length = sections[name]?.byteLength ?? 0
      next[name] = { offset: at, length }
      at = align8(at + length)
    }
    if (JSON.stringify(next) === JSON.stringify(refs)) break
    refs = next
  }
  headerBytes = new TextEncoder().encode(JSON.stringify({ ...header, sections: refs }))
  const last =
    names.length === 0 ? align8(12 + headerBytes.length) : Math.max(...names.map((n) => (refs[n]?.offset ?? 0) + (refs[n]?.length ?? 0)))
  const out = new Uint8Array(align8(last))
  const view = new DataView(out.buffer)
  view.setUint32(0, MAGIC, true)
  view.setUint32(4, FORMAT_VERSION, true)
  view.setUint32(8, headerBytes.length, true)
  out.set(headerBytes, 12)
  for (const name of names) {
    const ref = refs[name]
    const bytes = sections[name]
    if (ref !== undefined && bytes !== undefined) out.set(bytes, ref.offset)
  }
  return out
}

/** A parsed container: its header and typed views over its sections. */
export interface Unpacked {
  header: Record<string, unknown>
  bytes(name: string): Uint8Array
  u32(name: string): Uint32Array
  u16(name: string): Uint16Array
  i32(name: string): Int32Array
  f64(name: string): Float64Array
}

/** Reads a container without copying its sections (copies once if the input is misaligned). */
export function unpack(input: Uint8Array): Unpacked {
  const bad = (why: string): AppError =>
    new AppError(
      'invalid_format',
      `Compiled tokenizer bytes are unusable: ${why}. Recompile tokenizer.json with compileTokenizer and republish.`,
    )
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw bad('this host is big-endian')
  if (input.byteLength < 12) throw bad(`only ${input.byteLength} bytes`)
  const data = input.byteOffset % 8 === 0 ? input : input.slice()
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  if (view.getUint32(0, true) !== MAGIC) throw bad('not an edge-classify tokenizer (bad magic)')
  const version = view.getUint32(4, true)
  if (version !== FORMAT_VERSION) throw bad(`format version ${version}, this code reads version ${FORMAT_VERSION}`)
  const headerLength = view.getUint32(8, true)
  if (12 + headerLength > data.byteLength) throw bad('truncated header')
  let header: Record<string, unknown>
  try {
    header = JSON.parse(new TextDecoder().decode(data.subarray(12, 12 + headerLength))) as Record<string, unknown>
  } catch {
    throw bad('corrupt header')
  }
  const refs = (header.sections ?? {}) as Record<string, SectionRef>
  const section = (name: string, unit: number): [number, number] => {
    const ref = refs[name]
    if (ref === undefined) throw bad(`section "${name}" is missing`)
    const { offset, length } = ref
    if (offset % 8 !== 0 || length % unit !== 0 || offset + length > data.byteLength) throw bad(`section "${name}" is out of bounds`)
    return [data.byteOffset + offset, length / unit]
  }
  return {
    header,
    bytes: (n) => {
      const [o, l] = section(n, 1)
      return new Uint8Array(data.buffer, o, l)
    },
    u32: (n) => new Uint32Array(data.buffer, ...section(n, 4)),
    u16: (n) => new Uint16Array(data.buffer, ...section(n, 2)),
    i32: (n) => new Int32Array(data.buffer, ...section(n, 4)),
    f64: (n) => new Float64Array(data.buffer, ...section(n, 8)),
  }
}
