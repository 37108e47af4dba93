import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { AppError } from '../src/core/errors.ts'
import { MANIFEST_PREFIX, modelIdOfKey } from '../src/core/schema/keys.ts'
import { SUITE } from './catalogue.ts'

/**
 * `npm run models -- <command>`: the model pipeline. Each command is a thin
 * shell over a library function so that tests and `npm start` run the same code.
 */

const USAGE = `Usage: npm run models -- <command> [options]

Commands:
  generate --preset <name> --out <dir> [--seed N] [--labels a,b] [--tokenizer FILE]
                                   write a seeded (untrained) Hugging Face checkpoint
  convert <hf-dir> --out <dir>     Hugging Face checkpoint -> fp32 ONNX export folder
  quantize <model.onnx> --out <file> [--reduce-range]
                                   fp32 ONNX -> int8 ONNX (--reduce-range: 7-bit weights, exact
                                   under native onnxruntime on x86 CPUs without VNNI)
  verify <fp32.onnx> <int8.onnx> [--tokenizer FILE] [--texts FILE] [--max-length N]
                                   argmax agreement and logit differences, int8 vs fp32
  publish <dir> --id <model-id> [--precision int8|fp32] [--local|--remote] [--stage]
          [--force] [--min-agreement 0.95] [--max-length N] [--texts FILE] [--keep N]
          [--worker <name>|auto]   (in a suite: the model Worker that serves it; auto: the one with the most room)
                                   convert if needed, quantize, verify, optimize, upload, manifest last
  list [--local|--remote] [--id <model-id>]
  rollback --id <model-id> [--to <version>] [--local|--remote]
  defaults [--force]               publish the default models to local state (npm start does this)

<dir> is a Hugging Face checkpoint (config.json, model.safetensors, tokenizer.json)
or an ONNX export (model.onnx, config.json, tokenizer.json).
--local (default) writes the state that \`npm start\` (wrangler dev) serves, or the one
\`wrangler dev --persist-to <dir>\` serves with --persist-to <dir>; --remote uses your account.`

const options = {
  out: { type: 'string' },
  id: { type: 'string' },
  to: { type: 'string' },
  preset: { type: 'string' },
  seed: { type: 'string' },
  labels: { type: 'string' },
  tokenizer: { type: 'string' },
  texts: { type: 'string' },
  precision: { type: 'string' },
  'max-length': { type: 'string' },
  'min-agreement': { type: 'string' },
  keep: { type: 'string' },
  'persist-to': { type: 'string' },
  local: { type: 'boolean' },
  remote: { type: 'boolean' },
  stage: { type: 'boolean' },
  worker: { type: 'string' },
  force: { type: 'boolean' },
  'reduce-range': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

type Flags = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values']

const say = (message: string): void => {
  process.stderr.write(`  ${message}\n`)
}

function int(flags: Flags, name: 'seed' | 'max-length' | 'keep'): number | undefined {
  const raw = flags[name]
  if (raw === undefined) return undefined
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) throw new AppError('usage', `--${name} takes a whole number, got "${raw}".`)
  return value
}

function need<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new AppError('usage', message)
  return value
}

async function openStores(flags: Flags) {
  const { openLocalStores, openRemoteStores } = await import('./publish/stores.ts')
  if (flags.local === true && flags.remote === true) throw new AppError('usage', 'Pass --local or --remote, not both.')
  if (flags.remote === true) return openRemoteStores()
  return openLocalStores(flags['persist-to'] === undefined ? {} : { persistTo: flags['persist-to'] })
}

/** The Worker's WASM_BUDGET_BYTES (wrangler.toml): publish refuses a version that cannot fit in it. */
async function workerBudget(): Promise<number> {
  const { unstable_readConfig } = await import('wrangler')
  const { parseConfig } = await import('../src/core/config.ts')
  const { repoRoot } = await import('./paths.ts')
  return parseConfig(unstable_readConfig({ config: join(repoRoot, 'wrangler.toml') }).vars).wasmBudgetBytes
}

const commands: Record<string, (args: string[], flags: Flags) => Promise<void>> = {
  async generate(_args, flags) {
    const { generateCheckpoint, PRESETS } = await import('./checkpoint/generate.ts')
    const preset = need(flags.preset, `generate needs --preset (${Object.keys(PRESETS).join(', ')}).`)
    const out = resolve(need(flags.out, 'generate needs --out <dir>.'))
    // A preset with its own labels (the one-label cross-encoder) keeps them unless --labels says otherwise.
    const ownLabels = PRESETS[preset]?.config.id2label !== undefined
    const labels = flags.labels ?? (ownLabels ? undefined : 'negative,positive')
    await generateCheckpoint({
      preset,
      seed: int(flags, 'seed') ?? 0,
      outDir: out,
      ...(labels === undefined ? {} : { id2label: Object.fromEntries(labels.split(',').map((label, i) => [String(i), label])) }),
    })
    if (flags.tokenizer !== undefined) await copyFile(flags.tokenizer, join(out, 'tokenizer.json'))
    console.log(`wrote ${out}`)
  },

  async convert([dir], flags) {
    const { convertCheckpoint } = await import('./convert/index.ts')
    const from = resolve(need(dir, 'convert needs the checkpoint folder: convert <hf-dir> --out <dir>.'))
    const out = resolve(need(flags.out, 'convert needs --out <dir>.'))
    const result = await convertCheckpoint(from, { onProgress: say })
    await mkdir(out, { recursive: true })
    await writeFile(join(out, 'model.onnx'), result.onnx)
    await copyFile(join(from, 'config.json'), join(out, 'config.json'))
    await copyFile(join(from, 'tokenizer.json'), join(out, 'tokenizer.json')).catch(() => {
      say('no tokenizer.json in the checkpoint: add one before publishing')
    })
    console.log(`wrote ${join(out, 'model.onnx')} (${mib(result.onnx.byteLength)}, ${result.hf_architecture})`)
  },

  async quantize([file], flags) {
    const { quantizeModel } = await import('./quantize/index.ts')
    const from = need(file, 'quantize needs the fp32 model: quantize <model.onnx> --out <file>.')
    const out = need(flags.out, 'quantize needs --out <file>.')
    const fp32 = new Uint8Array(await readFile(from))
    const { model } = quantizeModel(fp32, { reduceRange: flags['reduce-range'] === true, onProgress: say })
    await mkdir(dirname(resolve(out)), { recursive: true })
    await writeFile(out, model)
    console.log(`wrote ${out}: ${mib(model.byteLength)} (fp32 ${mib(fp32.byteLength)})`)
  },

  async verify([fp32File, int8File], flags) {
    const { verifyModels } = await import('./verify/index.ts')
    const { compileTokenizer, loadTokenizer } = await import('../src/core/tokenizers/index.ts')
    const { readTexts } = await import('./verify/read-texts.ts')
    const { DEFAULT_TEXTS } = await import('./verify/texts.ts')
    const fp32Path = need(fp32File, 'verify needs two models: verify <fp32.onnx> <int8.onnx>.')
    const int8Path = need(int8File, 'verify needs two models: verify <fp32.onnx> <int8.onnx>.')
    const tokenizerPath = flags.tokenizer ?? join(dirname(fp32Path), 'tokenizer.json')
    const tokenizer = loadTokenizer(compileTokenizer(await readFile(tokenizerPath, 'utf8')))
    const result = await verifyModels({
      fp32: new Uint8Array(await readFile(fp32Path)),
      int8: new Uint8Array(await readFile(int8Path)),
      tokenizer,
      texts: flags.texts === undefined ? DEFAULT_TEXTS : await readTexts(flags.texts),
      max_length: int(flags, 'max-length') ?? 128,
    })
    console.log(JSON.stringify(result, null, 2))
  },

  async publish([dir], flags) {
    const { publish } = await import('./publish/index.ts')
    const { readTexts } = await import('./verify/read-texts.ts')
    const from = resolve(need(dir, 'publish needs the model folder: publish <dir> --id <model-id>.'))
    const id = need(flags.id, 'publish needs --id <model-id> (lowercase letters, digits, ".", "_", "-").')
    const precision = flags.precision ?? 'int8'
    if (precision !== 'int8' && precision !== 'fp32') throw new AppError('usage', `--precision is int8 or fp32, got "${precision}".`)
    const minAgreement = flags['min-agreement'] === undefined ? undefined : Number(flags['min-agreement'])
    if (minAgreement !== undefined && !(minAgreement >= 0 && minAgreement <= 1)) {
      throw new AppError('usage', '--min-agreement is a fraction between 0 and 1, e.g. 0.95.')
    }
    const stores = await openStores(flags)
    try {
      const result = await publish(from, {
        id,
        stores,
        precision,
        stage: flags.stage === true,
        ...(flags.worker === undefined ? {} : { worker: flags.worker, suiteWorkers: SUITE.workers.map((w) => w.name) }),
        force: flags.force === true,
        minAgreement,
        max_length: int(flags, 'max-length'),
        keep: int(flags, 'keep'),
        texts: flags.texts === undefined ? undefined : await readTexts(flags.texts),
        wasmBudgetBytes: await workerBudget(),
        onProgress: say,
      })
      const state = result.live ? 'active' : 'pending (the next scheduled run rolls it out)'
      console.log(`${id} ${result.version.version} ${result.created ? 'published' : 'already published'}, ${state}`)
      if (result.verification) console.log(`verification: ${JSON.stringify(result.verification)}`)
    } finally {
      await stores.close()
    }
  },

  async list(_args, flags) {
    const { readManifest } = await import('./publish/index.ts')
    const stores = await openStores(flags)
    try {
      let ids: string[]
      if (flags.id !== undefined) ids = [flags.id]
      else if (stores.canList) {
        ids = (await stores.listObjects(MANIFEST_PREFIX)).map(modelIdOfKey).filter((id): id is string => id !== undefined)
      } else throw new AppError('usage', 'Listing every model needs --local; with --remote pass --id <model-id>.')
      if (ids.length === 0) console.log(`no models in ${stores.description}; publish one with \`npm run models -- publish\``)
      for (const id of ids) {
        const manifest = await readManifest(stores, id)
        console.log(`${id}`)
        for (const v of manifest.versions) {
          const mark = v.version === manifest.active ? 'active ' : v.version === manifest.pending ? 'pending' : '       '
          const failure = manifest.failures.find((f) => f.version === v.version)
          console.log(
            `  ${mark} ${v.version}  ${v.architecture} ${v.precision} ${mib(v.weights.size)}` +
              `${v.random_weights ? '  (random weights)' : ''}${failure ? `  failed: ${failure.reason}` : ''}`,
          )
        }
      }
    } finally {
      await stores.close()
    }
  },

  async rollback(_args, flags) {
    const { readManifestForUpdate, writeManifest } = await import('./publish/index.ts')
    const { rollback } = await import('../src/core/schema/transitions.ts')
    const id = need(flags.id, 'rollback needs --id <model-id>.')
    const stores = await openStores(flags)
    try {
      const { manifest: before, etag } = await readManifestForUpdate(stores, id)
      if (before.versions.length === 0) throw new AppError('usage', `No model "${id}" in ${stores.description}.`)
      const after = rollback(before, flags.to)
      await writeManifest(stores, after, etag)
      console.log(`${id}: active ${before.active ?? '(none)'} -> ${after.active ?? '(none)'}`)
    } finally {
      await stores.close()
    }
  },

  async defaults(_args, flags) {
    const { publishDefaults } = await import('./publish/defaults.ts')
    const stores = await openStores(flags)
    try {
      await publishDefaults(stores, { force: flags.force === true, onProgress: say })
    } finally {
      await stores.close()
    }
  },
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`

export async function main(argv: string[]): Promise<number> {
  const { values: flags, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true })
  const [name, ...args] = positionals
  if (name === undefined || flags.help === true) {
    console.log(USAGE)
    return name === undefined && flags.help !== true ? 2 : 0
  }
  const command = commands[name]
  if (command === undefined) throw new AppError('usage', `Unknown command "${name}".\n\n${USAGE}`)
  await command(args, flags)
  return 0
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const typed = error instanceof Error && (error.name !== 'Error' || 'type' in error)
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`)
      if (!typed && error instanceof Error && process.env.DEBUG) console.error(error.stack)
      process.exit(1)
    },
  )
}
