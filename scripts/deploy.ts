/**
 * `npm run deploy`: deploys the suite in dependency order, the model Workers
 * first and then the router that binds them, from configs generated from the
 * catalogue (scripts/suite.ts). `--dry-run` bundles each Worker without an
 * account (into .artifacts/deploy/<name>/), which is what CI runs;
 * `--one-worker` deploys wrangler.toml's one-Worker layout instead. Other
 * arguments go to every `wrangler deploy`.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { artifactsDir, repoRoot } from './paths.ts'
import { writeSuiteConfigs } from './suite.ts'

const args = process.argv.slice(2)
const dryRun = args.includes('--dry-run')
const passed = args.filter((a) => a !== '--one-worker')
const [router, ...models] = args.includes('--one-worker') ? [join(repoRoot, 'wrangler.toml')] : await writeSuiteConfigs()
if (router === undefined) throw new Error('the suite has no Workers; check SUITE in scripts/catalogue.ts')
for (const config of [...models, router]) {
  const name =
    config
      .split(/[\\/]/)
      .pop()
      ?.replace(/\.(json|toml)$/, '') ?? 'worker'
  const out = dryRun ? ['--outdir', join(artifactsDir, 'deploy', name)] : []
  console.error(`deploying ${name}${dryRun ? ' (dry run)' : ''}`)
  execFileSync('wrangler', ['deploy', '--config', config, ...out, ...passed], { cwd: repoRoot, stdio: 'inherit' })
}
