/**
 * The default models (scripts/catalogue.ts), published through the real
 * pipeline into a local R2/KV state of the browser tests' own, never the
 * `npm start` state in .wrangler/state. A stamp keyed like `publishDefaults`'
 * (checkpoint, pipeline sources, tokenizer) skips the publish when nothing
 * changed, so only the first run pays for convert, int8 and verify.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { checkpointInto, checkpointKey, DEFAULT_MODELS, hashSources, PIPELINE_DIRS } from '../../../scripts/catalogue.ts'
import { artifactsDir, tokenizerFile } from '../../../scripts/paths.ts'
import { publish, readManifest } from '../../../scripts/publish/index.ts'
import { openLocalStores } from '../../../scripts/publish/stores.ts'

/** Everything the browser tests and the screenshot write: state, checkpoints, bundle. */
export const browserDir = join(artifactsDir, 'browser')

/** `wrangler dev --persist-to` folder of the browser tests. */
export const stateDir = join(browserDir, 'state')

/** Ids of the published models, in DEFAULT_MODELS order. */
export const modelIds: readonly string[] = DEFAULT_MODELS.map((m) => m.id)

/** Publishes every default model whose stamp is stale into `stateDir`. */
export async function publishModels(say: (message: string) => void = () => {}): Promise<void> {
  const pipeline = await hashSources(PIPELINE_DIRS)
  const stores = await openLocalStores({ persistTo: stateDir })
  try {
    for (const model of DEFAULT_MODELS) {
      const tokenizer = await readFile(tokenizerFile(model.tokenizer, 'tokenizer.json'))
      const key = createHash('sha256')
        .update(JSON.stringify({ checkpoint: await checkpointKey(model), pipeline }))
        .update(tokenizer)
        .digest('hex')
      const stamp = join(browserDir, 'published', `${model.id}.json`)
      const manifest = await readManifest(stores, model.id)
      if (existsSync(stamp)) {
        const previous = JSON.parse(await readFile(stamp, 'utf8')) as { key: string; version: string }
        if (previous.key === key && manifest.active === previous.version) continue
      }
      say(`publishing ${model.id} for the browser tests`)
      const dir = join(browserDir, 'checkpoints', model.id)
      await rm(dir, { recursive: true, force: true })
      await mkdir(dir, { recursive: true })
      await checkpointInto(model, dir)
      await symlink(tokenizerFile(model.tokenizer, 'tokenizer.json'), join(dir, 'tokenizer.json'))
      const result = await publish(dir, { id: model.id, stores, randomWeights: model.kind === 'seeded', description: model.description })
      await mkdir(join(browserDir, 'published'), { recursive: true })
      await writeFile(stamp, JSON.stringify({ key, version: result.version.version }))
    }
  } finally {
    await stores.close()
  }
}
