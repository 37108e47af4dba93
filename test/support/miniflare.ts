/**
 * Several real Workers in one workerd, from Node (Miniflare's `workers`),
 * each bundled by wrangler from its own config as `wrangler deploy` bundles
 * it. The workerd test pool's auxiliary Workers must be built JavaScript,
 * cannot read wrangler files, and three or more real ones have been reported
 * to crash; this way every Worker and its bindings come from its config.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { unstable_readConfig } from 'wrangler'
import { repoRoot } from '../../scripts/paths.ts'

/** Bundles a Worker from its wrangler file as `wrangler deploy` would; returns the entry module. */
export function bundle(config: string, outDir: string): string {
  execFileSync(join(repoRoot, 'node_modules', '.bin', 'wrangler'), ['deploy', '--dry-run', '--outdir', outDir, '--config', config], {
    cwd: repoRoot,
    stdio: 'ignore',
  })
  return join(outDir, 'index.js')
}

/** The modules of a bundle folder: the entry first, then each .wasm as a compiled module. */
export function bundleModules(entry: string): Array<{ type: 'ESModule' | 'CompiledWasm'; path: string }> {
  const wasm = readdirSync(dirname(entry)).filter((f) => f.endsWith('.wasm'))
  return [{ type: 'ESModule', path: entry }, ...wasm.map((f) => ({ type: 'CompiledWasm' as const, path: join(dirname(entry), f) }))]
}

/**
 * Miniflare's (classic) options for the Worker of `config`, bundled into
 * `outDir`: its bindings as the config declares them, `vars` over its vars.
 */
export function workerOptions(config: string, outDir: string, vars: Record<string, string> = {}, routes: string[] = []) {
  const c = unstable_readConfig({ config })
  const entry = bundle(config, outDir)
  const services = (c.services ?? []) as Array<{ binding: string; service: string; entrypoint?: string }>
  return {
    name: c.name ?? 'worker',
    modules: bundleModules(entry),
    modulesRoot: dirname(entry),
    compatibilityDate: c.compatibility_date,
    bindings: { ...(c.vars as Record<string, string>), ...vars },
    routes,
    r2Buckets: Object.fromEntries(
      c.r2_buckets.map((b: { binding: string; bucket_name?: string }) => [b.binding, b.bucket_name ?? b.binding]),
    ),
    kvNamespaces: Object.fromEntries(c.kv_namespaces.map((k: { binding: string; id?: string }) => [k.binding, k.id ?? k.binding])),
    serviceBindings: Object.fromEntries(
      services.map((s) => [s.binding, { name: s.service, ...(s.entrypoint === undefined ? {} : { entrypoint: s.entrypoint }) }]),
    ),
  }
}

/** A Worker that calls any method of its CLASSIFIER binding and answers `{ value }` or `{ error: { name, message } }`. */
export const PROBE = `
export default {
  async fetch(request, env) {
    const { method, args } = await request.json()
    try {
      return Response.json({ value: await env.CLASSIFIER[method](...args) })
    } catch (e) {
      return Response.json({ error: { name: e.name, message: e.message } })
    }
  },
}`
