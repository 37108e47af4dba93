/**
 * A fresh isolate's first request, step by step, for one or more source
 * trees (e.g. the committed code and a working tree with a cold-start
 * change), interleaved restart by restart so that load from other processes
 * hits every tree alike. Each tree's bench Worker is bundled from that tree;
 * every restart of `wrangler dev` is a fresh isolate, whose first request is
 * either
 *
 * - `classify`: POST /v1/models/{id}/classify with one 16-token text: client
 *   time and the Worker's Server-Timing (load, tokenize, infer), as the
 *   benchmark's cold-start rows; or
 * - `steps`: POST /__bench/cold (bench/worker/cold.ts): R2 manifest, R2 weights
 *   + sha256, KV tokenizer, parse, session creation, first/second/third run.
 *
 *   node bench/cold-steps.ts --tree before=/path/to/checkout --tree after=. [--restarts 4] [--model electra-small]
 *     [--probe]              steps: run the starter graphs twice before the load (was the startup's code kept?)
 *     [--v8-flags "--flag"]  workerd's V8 flags, for diagnosis only (Cloudflare's are not ours to set)
 *
 * The models are published into a scratch state once (bench/models.ts graphs).
 */
import { execFileSync } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { publish } from '../scripts/publish/index.ts'
import { openLocalStores } from '../scripts/publish/stores.ts'
import { artifactsDir, repoRoot } from '../scripts/paths.ts'
import { loadTokenizer } from '../src/core/tokenizers/index.ts'
import { startDev, stopDev } from './dev.ts'
import { prepareModels } from './models.ts'
import { inputsFor } from './texts.ts'
import type { ColdResponse } from './worker/protocol.ts'

const { values: args } = parseArgs({
  options: {
    tree: { type: 'string', multiple: true, default: ['current=.'] },
    restarts: { type: 'string', default: '4' },
    model: { type: 'string', default: 'electra-small' },
    probe: { type: 'boolean', default: false },
    'v8-flags': { type: 'string', default: '' },
  },
})
const say = (m: string): void => void process.stderr.write(`${m}\n`)
const scratch = join(artifactsDir, 'bench', 'cold-steps')
const trees = (args.tree ?? []).map((t) => {
  const [name = t, dir = '.'] = t.split('=')
  return { name, dir: resolve(dir) }
})

const models = (await prepareModels(say)).filter((m) => m.id === args.model)
const model = models[0]
if (model === undefined) throw new Error(`no bench model ${args.model}`)
const stateDir = join(scratch, 'state')
await rm(stateDir, { recursive: true, force: true })
const stores = await openLocalStores({ persistTo: stateDir })
try {
  await publish(model.publishDir, { id: model.id, stores, randomWeights: model.kind === 'seeded' })
} finally {
  await stores.close()
}
const text = inputsFor(loadTokenizer(model.tokenizerBytes), { batch: 1, seq: 16 }).texts[0] ?? ''

const wrangler = join(repoRoot, 'node_modules', '.bin', 'wrangler')
const bundles = trees.map((t) => {
  const outDir = join(scratch, `bundle-${t.name}`)
  execFileSync(wrangler, ['deploy', '--dry-run', '--outdir', outDir, 'bench/worker/index.ts', '--config', 'wrangler.toml'], {
    cwd: t.dir,
    stdio: 'ignore',
  })
  return { ...t, entry: join(outDir, 'index.js') }
})

const rows: Array<Record<string, number | string>> = []
for (let r = 0; r < Number(args.restarts); r++) {
  for (const kind of ['classify', 'steps'] as const) {
    for (const b of r % 2 === 0 ? bundles : [...bundles].reverse()) {
      const dev = await startDev(b.entry, stateDir, { v8Flags: (args['v8-flags'] ?? '').split(/\s+/).filter(Boolean) })
      try {
        const t0 = performance.now()
        const res =
          kind === 'classify'
            ? await fetch(`${dev.base}/v1/models/${model.id}/classify`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ inputs: text }),
              })
            : await fetch(`${dev.base}/__bench/cold`, { method: 'POST', body: JSON.stringify({ id: model.id, text, probe: args.probe }) })
        const body = await res.text()
        const client = performance.now() - t0
        if (!res.ok) throw new Error(`${kind} answered ${res.status}: ${body}`)
        const row: Record<string, number | string> = { tree: b.name, kind, client_ms: client }
        if (kind === 'classify') {
          for (const m of (res.headers.get('server-timing') ?? '').matchAll(/(\w+);dur=([\d.]+)/g)) row[`${m[1]}_ms`] = Number(m[2])
        } else {
          Object.assign(row, (JSON.parse(body) as ColdResponse).steps_ms)
        }
        rows.push(row)
        say(JSON.stringify(row))
      } finally {
        await stopDev(dev)
      }
    }
  }
}

const summary: Record<string, Record<string, string>> = {}
for (const b of bundles) {
  for (const kind of ['classify', 'steps']) {
    const mine = rows.filter((x) => x.tree === b.name && x.kind === kind)
    const keys = [...new Set(mine.flatMap((x) => Object.keys(x)))].filter((k) => k !== 'tree' && k !== 'kind')
    summary[`${b.name} ${kind}`] = Object.fromEntries(
      keys.map((k) => {
        const xs = mine
          .map((x) => Number(x[k]))
          .filter(Number.isFinite)
          .sort((p, q) => p - q)
        return [
          k,
          `${(xs[0] ?? Number.NaN).toFixed(1)}–${(xs.at(-1) ?? Number.NaN).toFixed(1)} (median ${(xs[xs.length >> 1] ?? Number.NaN).toFixed(1)})`,
        ]
      }),
    )
  }
}
process.stdout.write(`${JSON.stringify({ measured_at: new Date().toISOString(), model: model.id, rows, summary }, null, 1)}\n`)
