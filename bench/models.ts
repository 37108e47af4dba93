/**
 * The graphs the benchmark compares, built with the pipeline library: fp32,
 * our int8 (the quantizer's default form, what `publish` serves) and the plain
 * quantize_dynamic-style q8 baseline (MatMulInteger per MatMul, per-tensor
 * scales, fp32 embeddings: what Transformers.js' q8 models are).
 * The models are the full-size seeded checkpoints of scripts/catalogue.ts
 * (SEEDED_MODELS) and the trained defaults whose dimensions none of those has.
 * Cached under .artifacts/bench/models, keyed by the pipeline sources and weights.
 */
import { sha256Hex } from '../src/core/hash.ts'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { convertCheckpoint } from '../scripts/convert/index.ts'
import { type DefaultModel, SEEDED_MODELS, TRAINED_MODELS } from '../scripts/catalogue.ts'
import { checkpointInto, checkpointKey, hashSources } from '../scripts/publish/defaults.ts'
import { artifactsDir, tokenizerFile } from '../scripts/paths.ts'
import { quantizeModel } from '../scripts/quantize/index.ts'
import { compileTokenizer } from '../src/core/tokenizers/index.ts'

export interface BenchModel {
  id: string
  /** seeded random weights (published with random_weights: true) or a trained checkpoint */
  kind: DefaultModel['kind']
  dir: string
  /** folder with config.json, tokenizer.json and the int8 model.onnx: `publish` serves it as it is */
  publishDir: string
  files: { fp32: string; int8: string; baseline: string; config: string; tokenizerJson: string }
  tokenizerJson: string
  tokenizerBytes: Uint8Array
}

/**
 * electra-small-spam has the seeded electra-small's layers (it keeps 256 of
 * the 512 position rows), so its timings are electra-small's; albert-spam is
 * a 6-layer hidden-256 ALBERT that no seeded model stands for.
 */
const TRAINED_IN_BENCH = new Set(['albert-spam'])
export const BENCH_MODELS: readonly DefaultModel[] = [...SEEDED_MODELS, ...TRAINED_MODELS.filter((m) => TRAINED_IN_BENCH.has(m.id))]

const SOURCES = [
  'scripts/convert',
  'scripts/quantize',
  'scripts/onnx',
  'scripts/checkpoint',
  'scripts/catalogue.ts',
  'scripts/publish/defaults.ts',
  'bench/models.ts',
]

/** Builds (or reuses) the three graphs of each benchmarked model. */
export async function prepareModels(say: (m: string) => void): Promise<BenchModel[]> {
  const sources = await hashSources(SOURCES)
  const out: BenchModel[] = []
  for (const m of BENCH_MODELS) {
    const dir = join(artifactsDir, 'bench', 'models', m.id)
    const publishDir = join(dir, 'publish')
    const files = {
      fp32: join(dir, 'model.fp32.onnx'),
      int8: join(publishDir, 'model.onnx'),
      baseline: join(dir, 'model.q8-baseline.onnx'),
      config: join(dir, 'config.json'),
      tokenizerJson: tokenizerFile(m.tokenizer, 'tokenizer.json'),
    }
    const key = await sha256Hex(sources, await checkpointKey(m))
    const stamp = join(dir, 'built.json')
    const fresh = existsSync(stamp) && (JSON.parse(await readFile(stamp, 'utf8')) as { key: string }).key === key
    if (!fresh) {
      await rm(dir, { recursive: true, force: true })
      await mkdir(publishDir, { recursive: true })
      say(
        `${m.id}: ${m.kind === 'seeded' ? 'generating the seeded checkpoint' : `reading the trained checkpoint in ${m.dir}`}, converting and quantizing`,
      )
      await checkpointInto(m, dir)
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
    out.push({ id: m.id, kind: m.kind, dir, publishDir, files, tokenizerJson, tokenizerBytes: compileTokenizer(tokenizerJson) })
  }
  return out
}
