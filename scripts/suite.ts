/**
 * The suite's wrangler configs, generated from the catalogue's SUITE and the
 * one-Worker wrangler.toml (bindings, vars, limits, cron): a router Worker
 * with the public API, bound to each model Worker's `Serving` entrypoint, and
 * the model Workers, each with its own defaults and its own isolates.
 * `npm start` serves them under one `wrangler dev`; `npm run deploy` deploys
 * them, model Workers first.
 *
 * @example
 * const paths = await writeSuiteConfigs() // router first
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { unstable_readConfig } from 'wrangler'
import { DEFAULT_MODELS, SUITE, type SuiteWorker } from './catalogue.ts'
import { artifactsDir, repoRoot } from './paths.ts'

/** The part of wrangler's configuration the suite writes (wrangler.json fields). */
export interface WorkerConfig {
  name: string
  main: string
  compatibility_date: string
  rules?: Array<{ type: string; globs: string[]; fallthrough?: boolean }>
  r2_buckets: Array<{ binding: string; bucket_name: string }>
  kv_namespaces?: Array<{ binding: string; id: string }>
  services?: Array<{ binding: string; service: string; entrypoint: string }>
  vars: Record<string, string>
  triggers?: { crons: string[] }
  assets?: { directory: string }
  build?: { command: string; watch_dir: string }
}

type Base = ReturnType<typeof unstable_readConfig>

/** MODEL_WORKERS: every model Worker as name=BINDING, the first serving models that name none. */
export const modelWorkersVar = (workers: readonly SuiteWorker[]): string => workers.map((w) => `${w.name}=${w.binding}`).join(',')

function vars(base: Base): Record<string, string> {
  return Object.fromEntries(Object.entries(base.vars).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))
}

/** The configs of the suite: the router first, then the model Workers. Paths are absolute, so the files may live anywhere. */
export function suiteConfigs(
  base: Base,
  suite: typeof SUITE = SUITE,
  defaults: readonly string[] = DEFAULT_MODELS.map((m) => m.id),
): WorkerConfig[] {
  const shared = {
    compatibility_date: base.compatibility_date ?? '',
    r2_buckets: base.r2_buckets.map((b: { binding: string; bucket_name?: string }) => ({
      binding: b.binding,
      bucket_name: b.bucket_name ?? '',
    })),
  }
  const all = modelWorkersVar(suite.workers)
  const router: WorkerConfig = {
    name: suite.router,
    main: join(repoRoot, 'src', 'router', 'index.ts'),
    ...shared,
    services: suite.workers.map((w) => ({ binding: w.binding, service: w.name, entrypoint: 'Serving' })),
    vars: { ...vars(base), WORKER_NAME: suite.router, MODEL_WORKERS: all, DEFAULT_MODELS: '' },
    ...(base.assets?.directory === undefined ? {} : { assets: { directory: join(repoRoot, base.assets.directory) } }),
    build: { command: `node ${join(repoRoot, 'scripts', 'assets.ts')}`, watch_dir: join(repoRoot, 'scripts', 'assets.ts') },
  }
  const models = suite.workers.map((w): WorkerConfig => ({
    name: w.name,
    main: join(repoRoot, 'src', 'index.ts'),
    ...shared,
    rules: base.rules.map((r: { type: string; globs: string[]; fallthrough?: boolean }) => ({
      type: r.type,
      globs: r.globs,
      ...(r.fallthrough === undefined ? {} : { fallthrough: r.fallthrough }),
    })),
    kv_namespaces: base.kv_namespaces.map((k: { binding: string; id?: string }) => ({ binding: k.binding, id: k.id ?? '' })),
    vars: {
      ...vars(base),
      WORKER_NAME: w.name,
      MODEL_WORKERS: all,
      DEFAULT_MODELS: w.models.filter((m) => defaults.includes(m)).join(','),
    },
    ...(base.triggers.crons === undefined || base.triggers.crons.length === 0 ? {} : { triggers: { crons: base.triggers.crons } }),
  }))
  return [router, ...models]
}

/** Writes the suite's configs into `dir` (default .artifacts/suite) as wrangler.json files; returns their paths, router first. */
export async function writeSuiteConfigs(
  dir = join(artifactsDir, 'suite'),
  configPath = join(repoRoot, 'wrangler.toml'),
): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const paths: string[] = []
  for (const config of suiteConfigs(unstable_readConfig({ config: configPath }))) {
    const path = join(dir, `${config.name}.json`)
    await writeFile(path, `${JSON.stringify(config, null, 2)}\n`)
    paths.push(path)
  }
  return paths
}
