import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { sha256Hex } from '../../src/core/hash.ts'
import { MANIFEST_PREFIX, manifestKey, modelIdOfKey, tokenizerKey, weightsKey } from '../../src/core/schema/keys.ts'
import {
  type ModelManifest,
  type ModelVersion,
  type SmokeCase,
  type Verification,
  MODEL_ID_PATTERN,
  activeVersion,
  decodeManifest,
  encodeManifest,
} from '../../src/core/schema/manifest.ts'
import { addVersion, emptyManifest, findSameVersion, unreferencedBlobs } from '../../src/core/schema/transitions.ts'
import { compileTokenizer, loadTokenizer } from '../../src/core/tokenizers/index.ts'
import type { EncodeInput } from '../../src/core/tokenizers/types.ts'
import { type PreparedModel, prepareModel } from './prepare.ts'
import { loadNeedBytes } from '../../src/core/inference/budget.ts'
import { placedOn, placeModel } from '../../src/core/placement.ts'
import { DEFAULT_WASM_BUDGET_BYTES } from '../../src/core/config.ts'
import { measureFootprint } from './footprint.ts'
import { pickSmokeCases } from './smoke.ts'
import type { Stores } from './stores.ts'
import { AppError } from '../../src/core/errors.ts'

export interface PublishOptions {
  id: string
  stores: Stores
  precision?: 'int8' | 'fp32'
  /** stage the version as pending for the scheduled rollout instead of serving it at once */
  stage?: boolean
  /**
   * the model Worker that serves the model in a suite (recorded in the
   * manifest; the router reads it), or 'auto': the one of `suiteWorkers`
   * with the most room, by the footprints of the models already placed
   */
  worker?: string
  /** the suite's model Workers, the first serving models that name none (for worker 'auto') */
  suiteWorkers?: readonly string[]
  /** publish even when int8 verification falls below `minAgreement` */
  force?: boolean
  /** argmax agreement int8 vs fp32 required to publish (0..1) */
  minAgreement?: number
  max_length?: number
  texts?: EncodeInput[]
  /** how many versions the manifest keeps */
  keep?: number
  /** the serving isolate's WASM_BUDGET_BYTES: a version that alone does not fit is refused */
  wasmBudgetBytes?: number
  /** the weights are not trained (the generated defaults) */
  randomWeights?: boolean
  description?: string
  onProgress?: (message: string) => void
}

export interface PublishResult {
  id: string
  version: ModelVersion
  /** false when the same weights and tokenizer were already published */
  created: boolean
  /** whether the version serves now (false: pending for the scheduled rollout) */
  live: boolean
  verification?: Verification
  pruned: string[]
}

const DEFAULT_MIN_AGREEMENT = 0.95

/** What `buildVersion` makes: the manifest entry and the bytes it names. */
export interface BuiltVersion {
  version: ModelVersion
  weights: Uint8Array
  tokenizer: Uint8Array
  /** ORT's own Wasm heap, measured beside the footprint (what a Worker's budget holds first) */
  baseline_bytes: number
}

export interface BuildOptions extends Pick<
  PublishOptions,
  'precision' | 'force' | 'minAgreement' | 'max_length' | 'texts' | 'randomWeights' | 'description' | 'onProgress' | 'wasmBudgetBytes'
> {
  /** pick smoke cases (default true) */
  smoke?: boolean
  /** a fixed version name instead of `<UTC time>-<sha256 prefix>` (test fixtures) */
  version?: string
  /** a fixed creation time (test fixtures) */
  created_at?: string
}

/**
 * Publishes a model folder (Hugging Face checkpoint or ONNX export, each with
 * config.json and tokenizer.json): convert, quantize, verify, then upload the
 * content-addressed weights and tokenizer and write the manifest last, so that
 * a publish that dies half-way never becomes visible to the Worker.
 */
export async function publish(dir: string, options: PublishOptions): Promise<PublishResult> {
  if (!MODEL_ID_PATTERN.test(options.id)) {
    throw new AppError(
      'invalid_id',
      `Model id "${options.id}" is not valid: use 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit.`,
    )
  }
  const built = await buildVersion(dir, options)
  const say = options.onProgress ?? (() => {})
  const worker = options.worker === 'auto' ? await autoPlace(options, built, say) : options.worker
  return upload(
    { ...options, ...(worker === undefined ? {} : { worker }) },
    built.version,
    built.weights,
    built.tokenizer,
    say,
    built.version.verification,
  )
}

/**
 * Everything a publish does before it touches storage: compile the tokenizer,
 * convert and quantize the model, verify int8 against fp32 (refusing below the
 * threshold), pick the smoke cases and describe the version.
 */
export async function buildVersion(dir: string, options: BuildOptions = {}): Promise<BuiltVersion> {
  const say = options.onProgress ?? (() => {})
  const tokenizerPath = join(dir, 'tokenizer.json')
  if (!existsSync(tokenizerPath)) {
    throw new AppError('missing_file', `${dir} has no tokenizer.json. Save it next to the model with tokenizer.save_pretrained(dir).`)
  }
  say('compiling tokenizer')
  const tokenizerBytes = compileTokenizer(await readFile(tokenizerPath, 'utf8'))
  const tokenizer = loadTokenizer(tokenizerBytes)

  const prepared = await prepareModel(dir, {
    precision: options.precision ?? 'int8',
    tokenizer,
    texts: options.texts,
    max_length: options.max_length,
    onProgress: say,
  })
  const minAgreement = options.minAgreement ?? DEFAULT_MIN_AGREEMENT
  if (prepared.verification && prepared.verification.argmax_agreement < minAgreement && options.force !== true) {
    const v = prepared.verification
    throw new AppError(
      'verification_failed',
      `int8 agrees with fp32 on ${(v.argmax_agreement * 100).toFixed(1)}% of ${v.texts} texts (max logit diff ${v.max_abs_diff.toFixed(4)}), below the required ${(minAgreement * 100).toFixed(1)}%. ` +
        'Publish with --precision fp32, lower --min-agreement, or pass --force to publish anyway.',
    )
  }

  say('measuring its Wasm memory under onnxruntime-web')
  const measured = await measureFootprint(prepared.served, prepared.max_length)
  const footprint = { session_bytes: measured.session_bytes, peak_bytes: measured.peak_bytes }
  const budget = options.wasmBudgetBytes ?? DEFAULT_WASM_BUDGET_BYTES
  const need = loadNeedBytes(measured.baseline_bytes, [], { footprint, weights: { size: prepared.served.byteLength } })
  if (need > budget) {
    const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`
    throw new AppError(
      'over_budget',
      `This model needs ${mib(need)} of memory to load and run at --max-length ${prepared.max_length} (session ${mib(footprint.session_bytes)}, peak ${mib(footprint.peak_bytes)} above ORT's own ${mib(measured.baseline_bytes)}, ` +
        `weights ${mib(prepared.served.byteLength)}), more than the isolate budget of ${mib(budget)} (WASM_BUDGET_BYTES). ` +
        `${prepared.precision === 'fp32' ? 'Publish it as int8 (drop --precision fp32), or ' : ''}lower --max-length, or serve it from a Worker of its own with a larger WASM_BUDGET_BYTES.`,
    )
  }

  let smoke: SmokeCase[] = []
  if (options.smoke !== false) {
    say('choosing smoke-test cases')
    smoke = await pickSmokeCases(prepared, tokenizer)
  }
  const version = { ...(await describeVersion(options, prepared, tokenizerBytes, smoke)), footprint }
  return { version, weights: prepared.served, tokenizer: tokenizerBytes, baseline_bytes: measured.baseline_bytes }
}

async function describeVersion(
  options: BuildOptions,
  prepared: PreparedModel,
  tokenizerBytes: Uint8Array,
  smoke: SmokeCase[],
): Promise<ModelVersion> {
  const weightsSha = await sha256Hex(prepared.served)
  const tokenizerSha = await sha256Hex(tokenizerBytes)
  const now = new Date()
  return {
    version:
      options.version ??
      `${now
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z')}-${weightsSha.slice(0, 8)}`,
    architecture: prepared.architecture,
    hf_architecture: prepared.hf_architecture,
    precision: prepared.precision,
    problem_type: prepared.problem_type,
    id2label: prepared.id2label,
    max_length: prepared.max_length,
    inputs: prepared.inputs,
    weights: { key: weightsKey(weightsSha), sha256: weightsSha, size: prepared.served.byteLength },
    tokenizer: { key: tokenizerKey(tokenizerSha), sha256: tokenizerSha, size: tokenizerBytes.byteLength },
    random_weights: options.randomWeights ?? false,
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(prepared.verification === undefined ? {} : { verification: prepared.verification }),
    ...(prepared.graph_optimization === undefined ? {} : { graph_optimization: prepared.graph_optimization }),
    smoke,
    created_at: options.created_at ?? now.toISOString(),
  }
}

async function upload(
  options: PublishOptions,
  candidate: ModelVersion,
  weights: Uint8Array,
  tokenizerBytes: Uint8Array,
  say: (message: string) => void,
  verification: Verification | undefined,
): Promise<PublishResult> {
  const { stores, id } = options
  const live = options.stage !== true
  const { manifest: before, etag } = await readManifestForUpdate(stores, id)
  const same = findSameVersion(before, candidate)
  const version = same ?? candidate

  // Blobs first, manifest last. Blobs are content-addressed, so re-publishing
  // the same model also repairs a blob that went missing.
  if (!(await stores.hasObject(version.weights.key))) {
    say(`uploading weights (${(weights.byteLength / 2 ** 20).toFixed(1)} MiB) to ${stores.description}`)
    await stores.putObject(version.weights.key, weights, 'application/octet-stream')
  }
  if (!(await stores.hasKv(version.tokenizer.key))) {
    say('uploading tokenizer')
    await stores.putKv(version.tokenizer.key, tokenizerBytes)
  }
  // Already served, or already waiting with no failed rollout to clear: nothing to write.
  const failed = before.failures.some((f) => f.version === version.version)
  const moved = options.worker !== undefined && options.worker !== before.worker
  if (same && !moved && (before.active === same.version || (!live && before.pending === same.version && !failed))) {
    say(`already published as ${same.version}`)
    return { id, version: same, created: false, live: before.active === same.version, verification, pruned: [] }
  }
  const added = same && before.active === same.version ? before : addVersion(before, version, { live, keep: options.keep })
  const after = options.worker === undefined ? added : { ...added, worker: options.worker }
  say(`writing manifest (${live ? 'active' : 'pending'}: ${version.version})`)
  await writeManifest(stores, after, etag)
  const pruned = await pruneBlobs(stores, before, after)
  return { id, version, created: same === undefined, live, verification, pruned }
}

/** Reads a model's manifest, or an empty one when the model is new. */
export async function readManifest(stores: Stores, id: string): Promise<ModelManifest> {
  return (await readManifestForUpdate(stores, id)).manifest
}

/** A manifest and the etag it was read at (null: a new model, or a store that reports none), as the Worker's R2 reads it. */
export async function readManifestForUpdate(stores: Stores, id: string): Promise<{ manifest: ModelManifest; etag: string | null }> {
  const stored = await stores.getVersioned(manifestKey(id))
  return stored === null ? { manifest: emptyManifest(id), etag: null } : { manifest: decodeManifest(stored.bytes, id), etag: stored.etag }
}

/**
 * Writes a manifest only if the stored one still has `etag`, so that a
 * publish, a rollback or the Worker's scheduled rollout that landed since the
 * read is never overwritten; refuses with `conflict` when it had changed.
 */
export async function writeManifest(stores: Stores, manifest: ModelManifest, etag: string | null): Promise<void> {
  const written = await stores.putObject(manifestKey(manifest.id), encodeManifest(manifest), 'application/json', etag ?? undefined)
  if (!written) {
    throw new AppError(
      'conflict',
      `The manifest of model "${manifest.id}" changed while this command ran (another publish, a rollback or the scheduled rollout). Run the command again.`,
      { model: manifest.id },
    )
  }
}

/** Deletes blobs that the pruned versions held and no manifest still references. */
async function pruneBlobs(stores: Stores, before: ModelManifest, after: ModelManifest): Promise<string[]> {
  const { weights, tokenizers } = unreferencedBlobs(before, after)
  // Without a full listing another model may still use a blob: keep them all.
  if ((weights.length === 0 && tokenizers.length === 0) || !stores.canList) return []
  const others = await Promise.all(
    (await stores.listObjects(MANIFEST_PREFIX))
      .map((key) => modelIdOfKey(key))
      .filter((id): id is string => id !== undefined && id !== after.id)
      .map(async (id) => {
        const bytes = await stores.getObject(manifestKey(id))
        return bytes === null ? [] : decodeManifest(bytes, id).versions
      }),
  )
  const stillUsed = new Set(others.flat().flatMap((v) => [v.weights.key, v.tokenizer.key]))
  const deleted: string[] = []
  for (const key of weights.filter((k) => !stillUsed.has(k))) {
    await stores.deleteObject(key)
    deleted.push(key)
  }
  for (const key of tokenizers.filter((k) => !stillUsed.has(k))) {
    await stores.deleteKv(key)
    deleted.push(key)
  }
  return deleted
}

/**
 * `--worker auto`: the suite Worker with the most room for the new version,
 * counting the active versions of the models already placed on each (a model
 * that names no Worker is on the first). Needs a store that lists (--local).
 */
async function autoPlace(options: PublishOptions, built: BuiltVersion, say: (message: string) => void): Promise<string> {
  const workers = options.suiteWorkers ?? []
  if (workers.length === 0) throw new AppError('usage', "--worker auto needs the suite's model Workers (SUITE in scripts/catalogue.ts).")
  if (!options.stores.canList) {
    throw new AppError(
      'usage',
      `--worker auto reads every manifest, which ${options.stores.description} cannot list. Name the Worker: --worker ${workers[0]}.`,
    )
  }
  const loads = workers.map((name) => ({ name, versions: [] as ModelVersion[] }))
  for (const id of (await options.stores.listObjects(MANIFEST_PREFIX)).map(modelIdOfKey)) {
    if (id === undefined || id === options.id) continue
    const bytes = await options.stores.getObject(manifestKey(id))
    if (bytes === null) continue
    const manifest = decodeManifest(bytes, id)
    const active = activeVersion(manifest)
    if (active !== undefined) placedOn(loads, manifest.worker)?.versions.push(active)
  }
  const budget = options.wasmBudgetBytes ?? DEFAULT_WASM_BUDGET_BYTES
  const choice = placeModel(built.version, loads, budget, built.baseline_bytes)
  if (choice === undefined) throw new AppError('usage', 'The suite has no model Workers to place the model on.')
  say(
    choice.fits
      ? `placing it on ${choice.worker}, which has the most room`
      : `placing it on ${choice.worker}: no Worker holds all its models with this one loaded at once, so its registry will evict idle ones; add a model Worker to the suite to avoid that`,
  )
  return choice.worker
}
