import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { generateCheckpoint } from './checkpoint/generate.ts'
import { artifactsDir, repoRoot, tokenizerFile } from './paths.ts'
import { publish, readManifest } from './publish/index.ts'
import type { Stores } from './publish/stores.ts'

/**
 * The models `npm start` and the benchmarks serve by default. Their weights are
 * generated from a seed (untrained) until trained checkpoints land: the
 * manifest marks them `random_weights`, so their labels mean nothing yet.
 */
export const DEFAULT_MODELS = [
  {
    id: 'electra-small',
    preset: 'electra-small',
    tokenizer: 'electra-small',
    seed: 1,
    description: 'ELECTRA-small (google/electra-small-discriminator dimensions), seeded random weights',
  },
  {
    id: 'albert-base-v2',
    preset: 'albert-base-v2',
    tokenizer: 'albert-base-v2',
    seed: 2,
    description: 'ALBERT-base (albert-base-v2 dimensions), seeded random weights',
  },
] as const

const ID2LABEL = { '0': 'ham', '1': 'spam' }

/** Pipeline sources whose change must re-publish the defaults. */
const PIPELINE_DIRS = ['scripts/convert', 'scripts/quantize', 'scripts/onnx', 'scripts/checkpoint', 'src/tokenizers']

/**
 * Generates, converts, quantizes, verifies and publishes each default model,
 * skipping one whose inputs and pipeline are unchanged since its last publish.
 */
export async function publishDefaults(
  stores: Stores,
  options: { force?: boolean; onProgress?: (message: string) => void } = {},
): Promise<void> {
  const say = options.onProgress ?? (() => {})
  const pipeline = await hashSources(PIPELINE_DIRS)
  for (const model of DEFAULT_MODELS) {
    const dir = join(artifactsDir, 'defaults', model.id)
    const stamp = join(dir, 'published.json')
    const key = createHash('sha256')
      .update(JSON.stringify({ model, ID2LABEL, pipeline }))
      .update(await readFile(tokenizerFile(model.tokenizer, 'tokenizer.json')))
      .digest('hex')
    const manifest = await readManifest(stores, model.id)
    if (options.force !== true && existsSync(stamp)) {
      const previous = JSON.parse(await readFile(stamp, 'utf8')) as { key: string; version: string }
      if (previous.key === key && manifest.active === previous.version) {
        say(`${model.id}: up to date (${previous.version})`)
        continue
      }
    }
    say(`${model.id}: generating the seeded checkpoint`)
    await rm(dir, { recursive: true, force: true })
    await mkdir(dir, { recursive: true })
    await generateCheckpoint({ preset: model.preset, seed: model.seed, outDir: dir, id2label: ID2LABEL })
    // Read in place from the shared folder, never copied.
    await symlink(tokenizerFile(model.tokenizer, 'tokenizer.json'), join(dir, 'tokenizer.json'))
    const result = await publish(dir, {
      id: model.id,
      stores,
      randomWeights: true,
      description: model.description,
      onProgress: (message) => say(`${model.id}: ${message}`),
    })
    await writeFile(stamp, JSON.stringify({ key, version: result.version.version }))
    say(`${model.id}: ${result.created ? 'published' : 'unchanged'} ${result.version.version}`)
  }
}

async function hashSources(dirs: string[]): Promise<string> {
  const hash = createHash('sha256')
  for (const dir of dirs) {
    const root = join(repoRoot, dir)
    if (!existsSync(root)) continue
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ts')).sort()
    for (const file of files) {
      hash.update(relative(repoRoot, join(root, file)))
      hash.update(await readFile(join(root, file)))
    }
  }
  return hash.digest('hex')
}
