/**
 * The default models (scripts/catalogue.ts), published through the real
 * pipeline into a local R2/KV state of the browser tests' own, never the
 * `npm start` state in .wrangler/state. `publishDefaults`' stamps skip the
 * publish when nothing changed, so only the first run pays for convert, int8
 * and verify.
 */
import { join } from 'node:path'
import { DEFAULT_MODELS } from '../../../scripts/catalogue.ts'
import { artifactsDir } from '../../../scripts/paths.ts'
import { publishDefaults } from '../../../scripts/publish/defaults.ts'
import { openLocalStores } from '../../../scripts/publish/stores.ts'

/** Everything the browser tests and the screenshot write: state, checkpoints, bundle. */
export const browserDir = join(artifactsDir, 'browser')

/** `wrangler dev --persist-to` folder of the browser tests. */
export const stateDir = join(browserDir, 'state')

/** Ids of the published models, in DEFAULT_MODELS order. */
export const modelIds: readonly string[] = DEFAULT_MODELS.map((m) => m.id)

/** Publishes every default model whose stamp is stale into `stateDir`. */
export async function publishModels(say: (message: string) => void = () => {}): Promise<void> {
  const stores = await openLocalStores({ persistTo: stateDir })
  try {
    await publishDefaults(stores, { workDir: join(browserDir, 'checkpoints'), onProgress: say })
  } finally {
    await stores.close()
  }
}
