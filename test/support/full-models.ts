/**
 * Full-size default-model stand-ins for the memory measurement (issue #2
 * item 8): google/electra-small-discriminator and albert-base-v2 dimensions,
 * seeded random weights, through the real pipeline (generate, convert,
 * quantize). Built on demand into `.artifacts/memory-models/` (git-ignored):
 * `node test/support/full-models.ts`.
 */
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateCheckpoint } from '../../scripts/checkpoint/generate.ts'
import { convertCheckpoint } from '../../scripts/convert/index.ts'
import { artifactsDir } from '../../scripts/paths.ts'
import { quantizeModel } from '../../scripts/quantize/index.ts'
import type { QuantizeOptions } from '../../scripts/quantize/index.ts'

export const memoryModelsDir = join(artifactsDir, 'test-fixtures', 'memory')

const MODELS = [
  { name: 'electra-small', preset: 'electra-small', seed: 1 },
  { name: 'albert-base', preset: 'albert-base-v2', seed: 2 },
] as const

/** Variants of quantization compared for memory. */
const VARIANTS: Record<string, QuantizeOptions> = {
  int8: {},
  'int8-fp32-embeddings': { embeddings: 'none' },
}

export async function buildFullModels(): Promise<void> {
  await mkdir(memoryModelsDir, { recursive: true })
  for (const m of MODELS) {
    const done = Object.keys(VARIANTS).every((v) => existsSync(join(memoryModelsDir, `${m.name}.${v}.onnx`)))
    if (done) continue
    const t0 = performance.now()
    const checkpoint = join(artifactsDir, 'checkpoints', `${m.name}-memory`)
    await generateCheckpoint({ preset: m.preset, seed: m.seed, outDir: checkpoint })
    const { onnx } = await convertCheckpoint(checkpoint)
    for (const [variant, options] of Object.entries(VARIANTS)) {
      const { model } = quantizeModel(onnx, options)
      await writeFile(join(memoryModelsDir, `${m.name}.${variant}.onnx`), model)
      console.log(`${m.name}.${variant}.onnx: ${model.byteLength} bytes`)
    }
    console.log(`${m.name}: built in ${Math.round(performance.now() - t0)} ms`)
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await buildFullModels()
