/**
 * The models the workerd tests serve: tiny seeded checkpoints with the real
 * tokenizers, one single-label ELECTRA and one multi-label ALBERT, so both
 * default activations are exercised.
 */
import type { HfProblemType } from '../../src/core/schema/manifest.ts'
import type { EncodeInput } from '../../src/core/tokenizers/types.ts'

export interface FixtureModel {
  id: string
  preset: string
  tokenizer: 'electra-small' | 'albert-base-v2'
  seed: number
  version: string
  problem_type: HfProblemType
  id2label: Record<string, string>
  max_length: number
}

export const ELECTRA: FixtureModel = {
  id: 'electra-tiny',
  preset: 'electra-tiny',
  tokenizer: 'electra-small',
  seed: 11,
  version: '2026-01-01-electra',
  problem_type: 'single_label_classification',
  id2label: { '0': 'ham', '1': 'spam' },
  max_length: 64,
}

export const ALBERT: FixtureModel = {
  id: 'albert-tiny',
  preset: 'albert-tiny',
  tokenizer: 'albert-base-v2',
  seed: 12,
  version: '2026-01-01-albert',
  problem_type: 'multi_label_classification',
  id2label: { '0': 'toxic', '1': 'obscene', '2': 'insult' },
  max_length: 64,
}

export const FIXTURE_MODELS: readonly FixtureModel[] = [ELECTRA, ALBERT]

/**
 * Issue 18's families in the Worker: a DistilBERT (its graph takes no
 * token_type_ids) and a one-label cross-encoder (a BERT scoring text pairs,
 * served as problem_type regression through a sigmoid).
 */
export const DISTILBERT: FixtureModel = {
  id: 'distilbert-tiny',
  preset: 'distilbert-tiny',
  tokenizer: 'electra-small',
  seed: 14,
  version: '2026-01-01-distilbert',
  problem_type: 'single_label_classification',
  id2label: { '0': 'negative', '1': 'positive' },
  max_length: 64,
}

export const CROSS_ENCODER: FixtureModel = {
  id: 'cross-encoder-tiny',
  preset: 'bert-tiny',
  tokenizer: 'electra-small',
  seed: 15,
  version: '2026-01-01-cross-encoder',
  problem_type: 'regression',
  id2label: { '0': 'LABEL_0' },
  max_length: 64,
}

export const FAMILY_MODELS: readonly FixtureModel[] = [DISTILBERT, CROSS_ENCODER]

/** A second version of the ELECTRA fixture (new seed, so new weights), for version swaps. */
export const ELECTRA_V2: FixtureModel = { ...ELECTRA, seed: 13, version: '2026-02-01-electra' }

/** Inputs whose onnxruntime-web scores global-setup.ts records in expected.json. */
export const PARITY_INPUTS: readonly EncodeInput[] = [
  { text: 'Win a FREE cruise to the Bahamas, reply now!' },
  { text: 'Are we still on for lunch tomorrow?', text_pair: 'Yes, noon at the usual place.' },
  { text: 'naïve café — déjà vu 🙂' },
]

/**
 * Full-size stand-ins for the default models (google/electra-small-discriminator
 * and albert-base-v2 dimensions, seeded random weights) for the memory test.
 */
export const MEMORY_MODELS: readonly FixtureModel[] = [
  { ...ELECTRA, id: 'electra-small-memory', preset: 'electra-small', seed: 1, version: 'memory-electra', max_length: 512 },
  { ...ALBERT, id: 'albert-base-memory', preset: 'albert-base-v2', seed: 2, version: 'memory-albert', max_length: 512 },
]
