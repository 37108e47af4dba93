import type { BlobRef, ModelManifest, ModelVersion } from '../../src/core/schema/manifest.ts'

/** A content-addressed blob reference to a sha256 (lowercase hex) under `key`. */
export const blob = (key: string, sha256: string, size: number): BlobRef => ({ key, sha256, size })

/**
 * A two-label (ham/spam) int8 ELECTRA version for tests that drive manifests,
 * the registry or the activation without real models; `overrides` sets what
 * the test is about (blobs, smoke cases, lengths).
 */
export function modelVersion(version: string, overrides: Partial<ModelVersion> = {}): ModelVersion {
  return {
    version,
    architecture: 'electra',
    hf_architecture: 'ElectraForSequenceClassification',
    precision: 'int8',
    problem_type: 'single_label_classification',
    id2label: { '0': 'ham', '1': 'spam' },
    max_length: 128,
    inputs: ['input_ids', 'attention_mask', 'token_type_ids'],
    weights: blob(`blobs/sha256/${'a'.repeat(64)}.onnx`, 'a'.repeat(64), 1),
    tokenizer: blob(`tokenizer/sha256/${'b'.repeat(64)}`, 'b'.repeat(64), 1),
    random_weights: true,
    smoke: [],
    created_at: '2026-01-01T00:00:00Z',
    ...overrides,
  }
}

/** A manifest's newest version (fixtures always have one). */
export function firstVersion(m: ModelManifest): ModelVersion {
  const v = m.versions[0]
  if (!v) throw new Error(`${m.id} has no version`)
  return v
}
