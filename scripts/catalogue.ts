/**
 * The catalogue: the one list of the models this repository publishes by
 * itself, the trained defaults that `npm start` serves and the seeded
 * full-size models the benchmarks measure. wrangler.toml's DEFAULT_MODELS
 * must name the same defaults (a test checks it).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from './paths.ts'

/** A full-size model generated from a seed: untrained, for benchmarks and as a fallback default. */
export interface SeededModel {
  kind: 'seeded'
  id: string
  preset: string
  /** folder under shared/tokenizers */
  tokenizer: string
  seed: number
  description: string
}

/** A checkpoint trained in this repository, committed under models/<id>/ (config.json, model.safetensors). */
export interface TrainedModel {
  kind: 'trained'
  id: string
  /** folder under the repository root */
  dir: string
  tokenizer: string
  description: string
}

export type DefaultModel = SeededModel | TrainedModel

/** Full-size seeded models with the published models' dimensions: what the benchmarks measure. */
export const SEEDED_MODELS: readonly SeededModel[] = [
  {
    kind: 'seeded',
    id: 'electra-small',
    preset: 'electra-small',
    tokenizer: 'electra-small',
    seed: 1,
    description: 'ELECTRA-small (google/electra-small-discriminator dimensions), seeded random weights',
  },
  {
    kind: 'seeded',
    id: 'albert-base-v2',
    preset: 'albert-base-v2',
    tokenizer: 'albert-base-v2',
    seed: 2,
    description: 'ALBERT-base (albert-base-v2 dimensions), seeded random weights',
  },
]

/** The spam classifiers trained by `npm run train` (docs/training.md). */
export const TRAINED_MODELS: readonly TrainedModel[] = [
  {
    kind: 'trained',
    id: 'electra-small-spam',
    dir: 'models/electra-small-spam',
    tokenizer: 'electra-small',
    description: 'ELECTRA-small spam/ham classifier trained on the SpamAssassin corpus (models/electra-small-spam/README.md)',
  },
  {
    kind: 'trained',
    id: 'albert-spam',
    dir: 'models/albert-spam',
    tokenizer: 'albert-base-v2',
    description: 'ALBERT spam/ham classifier trained on the SpamAssassin corpus (models/albert-spam/README.md)',
  },
]

/** What `npm start` serves: the trained models where their checkpoints are committed, else the seeded ones. */
export const DEFAULT_MODELS: readonly DefaultModel[] = TRAINED_MODELS.every((m) =>
  existsSync(join(repoRoot, m.dir, 'model.safetensors')),
)
  ? TRAINED_MODELS
  : SEEDED_MODELS

/** The labels of every catalogue model: spam classifiers. */
export const ID2LABEL: Readonly<Record<string, string>> = { '0': 'ham', '1': 'spam' }
