/**
 * Seeds the local R2 bucket and KV namespace inside workerd with the fixture
 * models that global-setup.ts built, the way `publish` stores them: blobs by
 * content hash first, the manifest last.
 */
import { env } from 'cloudflare:workers'
import { manifestKey } from '../../src/core/schema/keys.ts'
import type { ModelManifest, ModelVersion } from '../../src/core/schema/manifest.ts'
import type { LabelScore } from '../../src/core/inference/classifier.ts'
import { fixture, fixtureText } from './fixtures.ts'

export async function fixtureManifests(): Promise<ModelManifest[]> {
  return JSON.parse(await fixtureText('manifests.json')) as ModelManifest[]
}

/** onnxruntime-web's scores in Node for PARITY_INPUTS, by model id. */
export async function expectedScores(): Promise<Record<string, LabelScore[][]>> {
  return JSON.parse(await fixtureText('expected.json')) as Record<string, LabelScore[][]>
}

/** Writes one manifest and every blob it references. */
export async function seedManifest(manifest: ModelManifest): Promise<void> {
  for (const v of manifest.versions) {
    await env.MODELS.put(v.weights.key, await fixture(`${v.weights.sha256}.onnx`))
    await env.TOKENIZERS.put(v.tokenizer.key, await fixture(`${v.tokenizer.sha256}.tok`))
  }
  await env.MODELS.put(manifestKey(manifest.id), JSON.stringify(manifest))
}

/** The second ELECTRA version (ELECTRA_V2), not yet in any manifest. */
export async function electraV2(): Promise<ModelVersion> {
  return JSON.parse(await fixtureText('electra-v2.json')) as ModelVersion
}

/** Seeds the full-size memory-test models; returns their manifests. */
export async function seedMemoryModels(): Promise<ModelManifest[]> {
  const manifests = JSON.parse(await fixtureText('memory-manifests.json')) as ModelManifest[]
  for (const m of manifests) await seedManifest(m)
  return manifests
}

/** Seeds every fixture model; returns their manifests. */
export async function seedModels(): Promise<ModelManifest[]> {
  const manifests = await fixtureManifests()
  for (const m of manifests) await seedManifest(m)
  return manifests
}

/** Seeds FAMILY_MODELS (DistilBERT, the one-label cross-encoder); returns their manifests and onnxruntime-web's scores in Node. */
export async function seedFamilyModels(): Promise<{ manifests: ModelManifest[]; expected: Record<string, LabelScore[][]> }> {
  const manifests = JSON.parse(await fixtureText('families-manifests.json')) as ModelManifest[]
  for (const m of manifests) await seedManifest(m)
  return { manifests, expected: JSON.parse(await fixtureText('families-expected.json')) as Record<string, LabelScore[][]> }
}
