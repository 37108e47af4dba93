import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG, MiB, parseConfig } from '../../src/core/config.ts'
import { DEFAULT_MODELS } from '../../scripts/catalogue.ts'
import { repoRoot } from '../../scripts/paths.ts'

describe('parseConfig', () => {
  it('takes the defaults for unset or empty vars', () => {
    expect(parseConfig({})).toEqual(DEFAULT_CONFIG)
    expect(parseConfig({ MAX_BATCH: '', WASM_BUDGET_BYTES: ' ' })).toEqual(DEFAULT_CONFIG)
    expect(DEFAULT_CONFIG.wasmBudgetBytes).toBe(112 * MiB)
  })

  it('reads each var: limits as integers, seconds as milliseconds, models as a list', () => {
    const config = parseConfig({
      MAX_BATCH: '4',
      MAX_LENGTH: '128',
      MANIFEST_TTL_SECONDS: '0',
      FAILED_LOAD_RETRY_SECONDS: '2.5',
      WASM_BUDGET_BYTES: '67108864',
      DEFAULT_MODELS: ' a, b ,,c ',
    })
    expect(config).toEqual({
      ...DEFAULT_CONFIG,
      defaultModels: ['a', 'b', 'c'],
      manifestTtlMs: 0,
      coldRetryMs: 2_500,
      wasmBudgetBytes: 64 * MiB,
      limits: { ...DEFAULT_CONFIG.limits, maxBatch: 4, maxLength: 128 },
    })
  })

  it('refuses a var it cannot parse, naming it and what to set, under one policy for every var', () => {
    const refusals: Array<[Record<string, string>, RegExp]> = [
      [{ MAX_BATCH: 'many' }, /MAX_BATCH var is "many".*positive integer/],
      [{ MAX_BODY_BYTES: '0' }, /MAX_BODY_BYTES/],
      [{ MAX_IN_FLIGHT: '-1' }, /MAX_IN_FLIGHT var is "-1".*0 turns it off/],
      [{ MAX_IN_FLIGHT: '1.5' }, /MAX_IN_FLIGHT/],
      [{ MANIFEST_TTL_SECONDS: 'soon' }, /MANIFEST_TTL_SECONDS var is "soon".*seconds/],
      [{ FAILED_LOAD_RETRY_SECONDS: '-1' }, /FAILED_LOAD_RETRY_SECONDS/],
      [{ WASM_BUDGET_BYTES: 'lots' }, /WASM_BUDGET_BYTES var is "lots"/],
      [{ WASM_BUDGET_BYTES: '1.5' }, /WASM_BUDGET_BYTES/],
    ]
    for (const [vars, message] of refusals) {
      expect(() => parseConfig(vars)).toThrow(
        expect.objectContaining({ kind: 'misconfigured', status: 500, message: expect.stringMatching(message) }),
      )
    }
  })

  it('takes 0 for MAX_IN_FLIGHT (no cap)', () => {
    expect(parseConfig({ MAX_IN_FLIGHT: '0' }).limits.maxInFlight).toBe(0)
  })
})

describe('wrangler.toml', () => {
  const toml = readFileSync(join(repoRoot, 'wrangler.toml'), 'utf8')
  const vars = Object.fromEntries([...toml.matchAll(/^([A-Z_]+) = "([^"]*)"$/gm)].map((m) => [m[1], m[2]]))

  it('sets vars that parse', () => {
    expect(() => parseConfig(vars)).not.toThrow()
  })

  it("names the catalogue's defaults as DEFAULT_MODELS (scripts/catalogue.ts is the one list)", () => {
    expect(parseConfig(vars).defaultModels).toEqual(DEFAULT_MODELS.map((m) => m.id))
  })
})
