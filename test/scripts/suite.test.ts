import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { unstable_readConfig } from 'wrangler'
import { DEFAULT_MODELS, SUITE } from '../../scripts/catalogue.ts'
import { repoRoot } from '../../scripts/paths.ts'
import { bundle } from '../support/miniflare.ts'
import { modelWorkersVar, suiteConfigs, writeSuiteConfigs } from '../../scripts/suite.ts'
import { parseConfig } from '../../src/core/config.ts'

const base = unstable_readConfig({ config: join(repoRoot, 'wrangler.toml') })
const dir = mkdtempSync(join(tmpdir(), 'suite-configs-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the suite configs generated from the catalogue', () => {
  const [router, ...workers] = suiteConfigs(base)

  it('give the router a Serving binding to every model Worker and the list it routes by', () => {
    expect(router?.name).toBe(SUITE.router)
    expect(router?.services).toEqual(SUITE.workers.map((w) => ({ binding: w.binding, service: w.name, entrypoint: 'Serving' })))
    expect(parseConfig(router?.vars ?? {}).modelWorkers).toEqual(SUITE.workers.map((w) => ({ name: w.name, binding: w.binding })))
    expect(router?.assets?.directory).toBe(join(repoRoot, 'public'))
    // The router loads no model: no KV, no cron, no Wasm rule.
    expect(router?.kv_namespaces).toBeUndefined()
    expect(router?.triggers).toBeUndefined()
  })

  it("give each model Worker wrangler.toml's bindings, limits and cron, its own name and its own defaults", () => {
    expect(workers.map((w) => w.name)).toEqual(SUITE.workers.map((w) => w.name))
    for (const [i, w] of workers.entries()) {
      const config = parseConfig(w.vars)
      expect(config.workerName).toBe(w.name)
      expect(w.vars.MODEL_WORKERS).toBe(modelWorkersVar(SUITE.workers))
      expect(config.limits).toEqual(parseConfig(base.vars).limits)
      expect(config.wasmBudgetBytes).toBe(parseConfig(base.vars).wasmBudgetBytes)
      expect(config.defaultModels.every((id) => SUITE.workers[i]?.models.includes(id))).toBe(true)
      expect(w.triggers?.crons).toEqual(base.triggers.crons)
      expect(w.kv_namespaces?.map((k) => k.binding)).toEqual(['TOKENIZERS'])
    }
  })

  it('place every default model on exactly one model Worker', () => {
    const placed = workers.flatMap((w) => parseConfig(w.vars).defaultModels)
    expect(placed.sort()).toEqual(DEFAULT_MODELS.map((m) => m.id).sort())
  })

  it('bundle as wrangler deploy --dry-run bundles them (what CI checks)', async () => {
    const paths = await writeSuiteConfigs(join(dir, 'configs'))
    expect(paths).toHaveLength(SUITE.workers.length + 1)
    for (const [i, path] of paths.entries()) {
      const entry = bundle(path, join(dir, `bundle-${i}`))
      expect(existsSync(entry)).toBe(true)
    }
  }, 120_000)
})
