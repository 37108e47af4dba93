import { spawn } from 'node:child_process'
import { publishDefaults } from './publish/defaults.ts'
import { repoRoot } from './paths.ts'
import { openLocalStores } from './publish/stores.ts'

/**
 * `npm start`: publish the default models into the local R2/KV state (a no-op
 * when they are current) and serve the Worker on http://127.0.0.1:8787.
 */
const stores = await openLocalStores()
try {
  console.error('Preparing the default models in local R2/KV (first run: about a minute)')
  await publishDefaults(stores, { onProgress: (m) => console.error(`  ${m}`) })
} finally {
  await stores.close()
}

const port = process.env.PORT ?? '8787'
const child = spawn('wrangler', ['dev', '--ip', '127.0.0.1', '--port', port, ...process.argv.slice(2)], {
  cwd: repoRoot,
  stdio: 'inherit',
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
child.on('exit', (code) => process.exit(code ?? 0))
