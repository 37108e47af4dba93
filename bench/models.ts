/**
 * The graphs the benchmark compares, built with the pipeline library from the
 * full-size seeded checkpoints of scripts/defaults.ts (SEEDED_MODELS): fp32,
 * our int8 (the quantizer's default form, what `publish` serves) and the plain
 * quantize_dynamic-style q8 baseline (MatMulInteger per MatMul, per-tensor
 * scales, fp32 embeddings: what Transformers.js' q8 models are).
 * Cached under .artifacts/bench/models, keyed by the pipeline sources.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateCheckpoint } from '../scripts/checkpoint/generate.ts'
import { convertCheckpoint } from '../scripts/convert/index.ts'
import { SEEDED_MODELS, hashSources } from '../scripts/defaults.ts'
import { artifactsDir, tokenizerFile } from '../scripts/paths.ts'
import { quantizeModel } from '../scripts/quantize/index.ts'
import { compileTokenizer } from '../src/tokenizers/index.ts'

export interface BenchModel {
  id: string
  preset: string
  dir: string
  /** folder with config.json, tokenizer.json and the int8 model.onnx: `publish` serves it as it is */
  publishDir: string
  files: { fp32: string; int8: string; baseline: string; config: string; tokenizerJson: string }
  tokenizerJson: string
  tokenizerBytes: Uint8Array
}

const ID2LABEL = { '0': 'ham', '1': 'spam' }
const SOURCES = ['scripts/convert', 'scripts/quantize', 'scripts/onnx', 'scripts/checkpoint', 'bench/models.ts']

/** Builds (or reuses) the three graphs of each default model. */
export async function prepareModels(say: (m: string) => void): Promise<BenchModel[]> {
  const key = await hashSources(SOURCES)
  const out: BenchModel[] = []
  for (const m of SEEDED_MODELS) {
    const dir = join(artifactsDir, 'bench', 'models', m.id)
    const publishDir = join(dir, 'publish')
    const files = {
      fp32: join(dir, 'model.fp32.onnx'),
      int8: join(publishDir, 'model.onnx'),
      baseline: join(dir, 'model.q8-baseline.onnx'),
      config: join(dir, 'config.json'),
      tokenizerJson: tokenizerFile(m.tokenizer, 'tokenizer.json'),
    }
    const stamp = join(dir, 'built.json')
    const fresh = existsSync(stamp) && (JSON.parse(await readFile(stamp, 'utf8')) as { key: string }).key === key
    if (!fresh) {
      say(`${m.id}: generating the seeded checkpoint, converting and quantizing`)
      await rm(dir, { recursive: true, force: true })
      await mkdir(publishDir, { recursive: true })
      await generateCheckpoint({ preset: m.preset, seed: m.seed, outDir: dir, id2label: ID2LABEL })
      const { onnx } = await convertCheckpoint(dir)
      await writeFile(files.fp32, onnx)
      await writeFile(files.int8, quantizeModel(onnx).model)
      await writeFile(files.baseline, quantizeModel(onnx, { form: 'matmul-integer', perChannel: false, embeddings: 'none' }).model)
      await writeFile(join(publishDir, 'config.json'), await readFile(files.config))
      await symlink(files.tokenizerJson, join(publishDir, 'tokenizer.json'))
      await rm(join(dir, 'model.safetensors'), { force: true })
      await writeFile(stamp, JSON.stringify({ key }))
    }
    const tokenizerJson = await readFile(files.tokenizerJson, 'utf8')
    out.push({ id: m.id, preset: m.preset, dir, publishDir, files, tokenizerJson, tokenizerBytes: compileTokenizer(tokenizerJson) })
  }
  return out
}
