import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { generateCheckpoint } from './checkpoint/generate.ts'
import { artifactsDir, repoRoot, tokenizerFile } from './paths.ts'
import { publish, readManifest } from './publish/index.ts'
import type { Stores } from './publish/stores.ts'

/** A full-size model generated from a seed: untrained, for benchmarks and as a fallback default. */
export interface SeededModel {
  kind: 'seeded'
  id: string
  preset: string
  /** folder under shared/tokenizers */
  tokenizer: string
  seed: number
  description: string
}

/** A checkpoint trained in this repository, committed under models/<id>/ (config.json, model.safetensors). */
export interface TrainedModel {
  kind: 'trained'
  id: string
  /** folder under the repository root */
  dir: string
  tokenizer: string
  description: string
}

export type DefaultModel = SeededModel | TrainedModel

/** Full-size seeded models with the published models' dimensions: what the benchmarks measure. */
export const SEEDED_MODELS: readonly SeededModel[] = [
  {
    kind: 'seeded',
    id: 'electra-small',
    preset: 'electra-small',
    tokenizer: 'electra-small',
    seed: 1,
    description: 'ELECTRA-small (google/electra-small-discriminator dimensions), seeded random weights',
  },
  {
    kind: 'seeded',
    id: 'albert-base-v2',
    preset: 'albert-base-v2',
    tokenizer: 'albert-base-v2',
    seed: 2,
    description: 'ALBERT-base (albert-base-v2 dimensions), seeded random weights',
  },
]

/** The spam classifiers trained by `npm run train` (docs/training.md). */
export const TRAINED_MODELS: readonly TrainedModel[] = [
  {
    kind: 'trained',
    id: 'electra-small-spam',
    dir: 'models/electra-small-spam',
    tokenizer: 'electra-small',
    description: 'ELECTRA-small spam/ham classifier trained on the SpamAssassin corpus (models/electra-small-spam/README.md)',
  },
  {
    kind: 'trained',
    id: 'albert-spam',
    dir: 'models/albert-spam',
    tokenizer: 'albert-base-v2',
    description: 'ALBERT spam/ham classifier trained on the SpamAssassin corpus (models/albert-spam/README.md)',
  },
]

/** What `npm start` serves: the trained models where their checkpoints are committed, else the seeded ones. */
export const DEFAULT_MODELS: readonly DefaultModel[] = TRAINED_MODELS.every((m) =>
  existsSync(join(repoRoot, m.dir, 'model.safetensors')),
)
  ? TRAINED_MODELS
  : SEEDED_MODELS

const ID2LABEL = { '0': 'ham', '1': 'spam' }

/** Pipeline sources whose change must re-publish the defaults. */
export const PIPELINE_DIRS = ['scripts/convert', 'scripts/quantize', 'scripts/onnx', 'scripts/checkpoint', 'src/core/tokenizers']

/**
 * Converts, quantizes, verifies and publishes each default model (generating
 * the seeded ones first), skipping one whose inputs and pipeline are unchanged
 * since its last publish.
 */
export async function publishDefaults(
  stores: Stores,
  options: { force?: boolean; models?: readonly DefaultModel[]; onProgress?: (message: string) => void } = {},
): Promise<void> {
  const say = options.onProgress ?? (() => {})
  const pipeline = await hashSources(PIPELINE_DIRS)
  for (const model of options.models ?? DEFAULT_MODELS) {
    const dir = join(artifactsDir, 'defaults', model.id)
    const stamp = join(dir, 'published.json')
    const hash = createHash('sha256').update(JSON.stringify({ checkpoint: await checkpointKey(model), pipeline }))
    const key = hash.update(await readFile(tokenizerFile(model.tokenizer, 'tokenizer.json'))).digest('hex')
    const manifest = await readManifest(stores, model.id)
    if (options.force !== true && existsSync(stamp)) {
      const previous = JSON.parse(await readFile(stamp, 'utf8')) as { key: string; version: string }
      if (previous.key === key && manifest.active === previous.version) {
        say(`${model.id}: up to date (${previous.version})`)
        continue
      }
    }
    await rm(dir, { recursive: true, force: true })
    await mkdir(dir, { recursive: true })
    if (model.kind === 'seeded') say(`${model.id}: generating the seeded checkpoint`)
    await checkpointInto(model, dir)
    // Read in place from the shared folder, never copied.
    await symlink(tokenizerFile(model.tokenizer, 'tokenizer.json'), join(dir, 'tokenizer.json'))
    const result = await publish(dir, {
      id: model.id,
      stores,
      randomWeights: model.kind === 'seeded',
      description: model.description,
      onProgress: (message) => say(`${model.id}: ${message}`),
    })
    await writeFile(stamp, JSON.stringify({ key, version: result.version.version }))
    say(`${model.id}: ${result.created ? 'published' : 'unchanged'} ${result.version.version}`)
  }
}

/** Puts a default model's checkpoint (config.json, model.safetensors) in `dir`: generated from its seed, or linked to the committed files. */
export async function checkpointInto(model: DefaultModel, dir: string): Promise<void> {
  if (model.kind === 'seeded') {
    await generateCheckpoint({ preset: model.preset, seed: model.seed, outDir: dir, id2label: ID2LABEL })
  } else {
    for (const file of ['config.json', 'model.safetensors']) await symlink(join(repoRoot, model.dir, file), join(dir, file))
  }
}

/** sha256 of what `checkpointInto` writes for `model`: its description and labels, and a trained model's committed weights. */
export async function checkpointKey(model: DefaultModel): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify({ model, ID2LABEL }))
  if (model.kind === 'trained') hash.update(await readFile(join(repoRoot, model.dir, 'model.safetensors')))
  return hash.digest('hex')
}

/** sha256 over the TypeScript files under `entries` (folders or single files), in a stable order. */
export async function hashSources(entries: readonly string[]): Promise<string> {
  const hash = createHash('sha256')
  for (const entry of entries) {
    const root = join(repoRoot, entry)
    if (!existsSync(root)) continue
    const files = entry.endsWith('.ts') ? [''] : (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ts')).sort()
    for (const file of files) {
      const path = join(root, file)
      hash.update(relative(repoRoot, path))
      hash.update(await readFile(path))
    }
  }
  return hash.digest('hex')
}
