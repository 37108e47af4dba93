/**
 * Vitest globalSetup for the workerd project (runs in Node). Builds real test
 * models with the project's own pipeline: seeded tiny ELECTRA and ALBERT
 * checkpoints (scripts/checkpoint) with the real tokenizer files, through the
 * same convert, int8, verify and smoke-case steps as `publish`
 * (scripts/publish `buildVersion`). Everything lands in
 * `.artifacts/test-fixtures/`, which the test-only FIXTURES service binding
 * (vitest.config.ts) serves to the tests inside workerd.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { artifactsDir } from '../../scripts/paths.ts'
import { openWebSession } from '../../scripts/ort/web.ts'
import { buildFixture } from './build-fixture.ts'
import { classifyEncodings, DEFAULT_BATCH_BUDGET, defaultActivation } from '../../src/core/inference/classifier.ts'
import type { ModelManifest } from '../../src/core/schema/manifest.ts'
import { loadTokenizer } from '../../src/core/tokenizers/index.ts'
import { ELECTRA_V2, FAMILY_MODELS, FIXTURE_MODELS, MEMORY_MODELS, PARITY_INPUTS } from './fixture-models.ts'
import type { FixtureModel } from './fixture-models.ts'
import { buildTinyClassifier } from './tiny-onnx.ts'

export const fixturesDir = join(artifactsDir, 'test-fixtures')

/**
 * What onnxruntime-web answers in Node for PARITY_INPUTS (planned as the
 * Worker plans a batch, DEFAULT_BATCH_BUDGET; default activation): the
 * reference the Worker's answers are checked against.
 * The same Wasm kernels in another host, so the comparison holds on every CPU;
 * onnxruntime-node's int8 kernels are not exact on x86 without VNNI.
 */
async function expectedScores(model: FixtureModel, weights: Uint8Array, tokenizerBytes: Uint8Array) {
  const tokenizer = loadTokenizer(tokenizerBytes)
  const session = await openWebSession(weights)
  const encodings = PARITY_INPUTS.map((input) => tokenizer.encode(input, { max_length: model.max_length, truncation: true }))
  const scores = await classifyEncodings(
    session,
    encodings,
    { pad_id: tokenizer.pad_id, id2label: model.id2label },
    { activation: defaultActivation(model.problem_type), top_k: null },
    DEFAULT_BATCH_BUDGET,
  )
  await session.release()
  return scores
}

/**
 * Builds a fixture version exactly as `publish` does (scripts/publish
 * `buildVersion`: convert, int8, verify, smoke cases), under the fixture's fixed
 * version name. `reference`: also record onnxruntime-web's PARITY_INPUTS
 * scores. `smoke`: pick the version's smoke cases, for the scheduled rollout.
 */
async function buildModel(model: FixtureModel, reference = true, smoke = true): Promise<{ manifest: ModelManifest; expected: unknown }> {
  const { version, weights, tokenizer } = await buildFixture(model, fixturesDir, {
    smoke,
    description: `test fixture: ${model.preset}, seed ${model.seed}`,
  })
  await writeFile(join(fixturesDir, `${version.weights.sha256}.onnx`), weights)
  await writeFile(join(fixturesDir, `${version.tokenizer.sha256}.tok`), tokenizer)
  const manifest = { id: model.id, active: version.version, pending: null, versions: [version], failures: [] }
  return { manifest, expected: reference ? await expectedScores(model, weights, tokenizer) : null }
}

/**
 * The full-size models take a few seconds to build, so they are kept between
 * runs; the manifest file is written last and names its blobs.
 */
async function buildMemoryModels(): Promise<void> {
  const path = join(fixturesDir, 'memory-manifests.json')
  if (existsSync(path)) {
    const cached = JSON.parse(await readFile(path, 'utf8')) as ModelManifest[]
    const complete = cached.every((m) =>
      m.versions.every(
        (v) => existsSync(join(fixturesDir, `${v.weights.sha256}.onnx`)) && existsSync(join(fixturesDir, `${v.tokenizer.sha256}.tok`)),
      ),
    )
    if (complete && cached.length === MEMORY_MODELS.length) return
  }
  const built: ModelManifest[] = []
  for (const model of MEMORY_MODELS) built.push((await buildModel(model, false, false)).manifest)
  await writeFile(path, JSON.stringify(built, null, 2))
}

/** A fixture file of JSON, indented. */
const writeJson = (name: string, value: unknown): Promise<void> => writeFile(join(fixturesDir, name), JSON.stringify(value, null, 2))

export default async function setup(): Promise<void> {
  await mkdir(fixturesDir, { recursive: true })
  await writeFile(join(fixturesDir, 'tiny.onnx'), buildTinyClassifier())
  const built = await Promise.all(FIXTURE_MODELS.map((m) => buildModel(m)))
  await writeJson(
    'manifests.json',
    built.map((b) => b.manifest),
  )
  const expected = Object.fromEntries(built.map((b) => [b.manifest.id, b.expected]))
  await writeFile(join(fixturesDir, 'expected.json'), JSON.stringify(expected))
  const families = await Promise.all(FAMILY_MODELS.map((m) => buildModel(m)))
  await writeJson(
    'families-manifests.json',
    families.map((b) => b.manifest),
  )
  await writeFile(
    join(fixturesDir, 'families-expected.json'),
    JSON.stringify(Object.fromEntries(families.map((b) => [b.manifest.id, b.expected]))),
  )
  const v2 = await buildModel({ ...ELECTRA_V2, id: `${ELECTRA_V2.id}-v2` }, false)
  await writeFile(join(fixturesDir, 'electra-v2.json'), JSON.stringify(v2.manifest.versions[0]))
  await buildMemoryModels()
}
