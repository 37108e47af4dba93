/**
 * The CPU's int8 dot-product instructions, named beside native onnxruntime's
 * rows: its int8 kernels differ by ISA in speed and in exactness (x86 without
 * VNNI adds pairs of u8 x s8 products into a saturating int16;
 * docs/int8-exactness.md). onnxruntime-web's Wasm kernel is the same on all.
 */
import { readFileSync } from 'node:fs'
import { arch } from 'node:os'

/** Linux `flags`/`Features` words of the first processor in /proc/cpuinfo; empty elsewhere. */
function cpuFlags(): Set<string> {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8')
    const line = info.split('\n').find((l) => /^(flags|Features)\s*:/.test(l)) ?? ''
    return new Set(
      line
        .slice(line.indexOf(':') + 1)
        .trim()
        .split(/\s+/),
    )
  } catch {
    return new Set()
  }
}

/** A short phrase such as "x86-64, AVX-512 VNNI (exact)" or "x86-64, AVX2 without VNNI (saturating)". */
export function int8Isa(flags: Set<string> = cpuFlags(), cpuArch: string = arch()): string {
  if (cpuArch === 'x64') {
    if (flags.has('avx512_vnni')) return 'x86-64, AVX-512 VNNI (exact)'
    if (flags.has('avx_vnni')) return 'x86-64, AVX-VNNI (exact)'
    if (flags.has('avx2')) return 'x86-64, AVX2 without VNNI (saturating: native int8 is not exact)'
    if (flags.size === 0) return 'x86-64, instruction set unknown'
    return 'x86-64, SSE only (saturating: native int8 is not exact)'
  }
  if (cpuArch === 'arm64') {
    if (flags.has('i8mm')) return 'arm64, I8MM and dot product'
    if (flags.has('asimddp')) return 'arm64, dot product'
    return flags.size === 0 ? 'arm64, instruction set unknown' : 'arm64, NEON'
  }
  return `${cpuArch}, instruction set unknown`
}
