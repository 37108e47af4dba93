/**
 * Publishes the catalogue's default models: checkpoint (generated from its
 * seed, or the committed trained one), convert, quantize, verify, upload;
 * skipped when a stamp says the same inputs went through the same pipeline.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { sha256Hex } from '../../src/core/hash.ts'
import { DEFAULT_MODELS, type DefaultModel, ID2LABEL } from '../catalogue.ts'
import { generateCheckpoint } from '../checkpoint/generate.ts'
import { artifactsDir, repoRoot, tokenizerFile } from '../paths.ts'
import { publish, readManifest } from './index.ts'
import type { Stores } from './stores.ts'

/** Pipeline sources whose change must re-publish the defaults. */
export const PIPELINE_DIRS = ['scripts/convert', 'scripts/quantize', 'scripts/onnx', 'scripts/checkpoint', 'src/core/tokenizers']

/**
 * Converts, quantizes, verifies and publishes each default model (generating
 * the seeded ones first), skipping one whose inputs and pipeline are unchanged
 * since its last publish.
 */
export async function publishDefaults(
  stores: Stores,
  options: {
    force?: boolean
    models?: readonly DefaultModel[]
    /** where the checkpoints and publish stamps live (default .artifacts/defaults); one per local state */
    workDir?: string
    /** the suite Worker that serves each model (recorded in its manifest); absent: none is recorded */
    workerOf?: (id: string) => string | undefined
    onProgress?: (message: string) => void
  } = {},
): Promise<void> {
  const say = options.onProgress ?? (() => {})
  const pipeline = await hashSources(PIPELINE_DIRS)
  for (const model of options.models ?? DEFAULT_MODELS) {
    const dir = join(options.workDir ?? join(artifactsDir, 'defaults'), model.id)
    const stamp = join(dir, 'published.json')
    const tokenizer = await readFile(tokenizerFile(model.tokenizer, 'tokenizer.json'))
    const key = await sha256Hex(JSON.stringify({ checkpoint: await checkpointKey(model), pipeline }), tokenizer)
    const manifest = await readManifest(stores, model.id)
    if (options.force !== true && existsSync(stamp)) {
      const previous = JSON.parse(await readFile(stamp, 'utf8')) as { key: string; version: string }
      if (previous.key === key && manifest.active === previous.version && manifest.worker === options.workerOf?.(model.id)) {
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
      ...(options.workerOf?.(model.id) === undefined ? {} : { worker: options.workerOf(model.id) }),
      onProgress: (message) => say(`${model.id}: ${message}`),
    })
    await writeFile(stamp, JSON.stringify({ key, version: result.version.version }))
    say(`${model.id}: ${result.created ? 'published' : 'unchanged'} ${result.version.version}`)
  }
}

/** Puts a default model's checkpoint (config.json, model.safetensors) in `dir`: generated from its seed, or linked to the committed files. */
export async function checkpointInto(model: DefaultModel, dir: string): Promise<void> {
  if (model.kind === 'seeded') {
    await generateCheckpoint({ preset: model.preset, seed: model.seed, outDir: dir, id2label: { ...ID2LABEL } })
  } else {
    for (const file of ['config.json', 'model.safetensors']) await symlink(join(repoRoot, model.dir, file), join(dir, file))
  }
}

/** sha256 of what `checkpointInto` writes for `model`: its description and labels, and a trained model's committed weights. */
export async function checkpointKey(model: DefaultModel): Promise<string> {
  const described = JSON.stringify({ model, ID2LABEL })
  return model.kind === 'trained'
    ? sha256Hex(described, await readFile(join(repoRoot, model.dir, 'model.safetensors')))
    : sha256Hex(described)
}

/** sha256 over the TypeScript files under `entries` (folders or single files), in a stable order. */
export async function hashSources(entries: readonly string[]): Promise<string> {
  const parts: Array<string | Uint8Array> = []
  for (const entry of entries) {
    const root = join(repoRoot, entry)
    if (!existsSync(root)) continue
    const files = entry.endsWith('.ts') ? [''] : (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ts')).sort()
    for (const file of files) {
      const path = join(root, file)
      parts.push(relative(repoRoot, path), await readFile(path))
    }
  }
  return sha256Hex(...parts)
}
