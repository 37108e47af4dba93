import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { workerOfModel } from './catalogue.ts'
import { repoRoot } from './paths.ts'
import { publishDefaults } from './publish/defaults.ts'
import { openLocalStores } from './publish/stores.ts'
import { writeSuiteConfigs } from './suite.ts'

/**
 * `npm start`: publish the default models into the local R2/KV state (a no-op
 * when they are current) and serve the suite on http://127.0.0.1:8787: the
 * router in front, each model Worker behind it, all in one `wrangler dev` on
 * the same local state. `npm start -- --one-worker` serves the one-Worker
 * layout (wrangler.toml) instead; other arguments go to wrangler.
 */
const args = process.argv.slice(2)
const oneWorker = args.includes('--one-worker')
const stores = await openLocalStores()
try {
  console.error('Preparing the default models in local R2/KV (first run: about a minute)')
  await publishDefaults(stores, { workerOf: workerOfModel, onProgress: (m) => console.error(`  ${m}`) })
} finally {
  await stores.close()
}

const configs = oneWorker ? [join(repoRoot, 'wrangler.toml')] : await writeSuiteConfigs()
const port = process.env.PORT ?? '8787'
const wranglerArgs = [
  'dev',
  ...configs.flatMap((c) => ['-c', c]),
  '--persist-to',
  join(repoRoot, '.wrangler', 'state'),
  '--ip',
  '127.0.0.1',
  '--port',
  port,
]
const child = spawn('wrangler', [...wranglerArgs, ...args.filter((a) => a !== '--one-worker')], { cwd: repoRoot, stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
child.on('exit', (code) => process.exit(code ?? 0))
