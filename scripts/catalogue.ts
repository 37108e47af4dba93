/**
 * The catalogue: the one list of the models this repository publishes by
 * itself, the trained defaults that `npm start` serves and the seeded
 * full-size models the benchmarks measure, and the suite: which model
 * Worker serves which default. wrangler.toml's DEFAULT_MODELS must name the
 * same defaults (a test checks it); the suite's wrangler configs are
 * generated from SUITE (scripts/suite.ts).
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
export const DEFAULT_MODELS: readonly DefaultModel[] = TRAINED_MODELS.every((m) => existsSync(join(repoRoot, m.dir, 'model.safetensors')))
  ? TRAINED_MODELS
  : SEEDED_MODELS

/** The labels of every catalogue model: spam classifiers. */
export const ID2LABEL: Readonly<Record<string, string>> = { '0': 'ham', '1': 'spam' }

/** A model Worker of the suite: its wrangler name, the router's binding to it, and the defaults it serves. */
export interface SuiteWorker {
  name: string
  binding: string
  models: readonly string[]
}

/**
 * The suite's layout. The router keeps the one-Worker layout's name, so a
 * user's Worker binds `service = "edge-classify"` either way. Each default
 * model has a Worker of its own: a full-size model's footprint and the
 * other's would not both fit one isolate's budget with room for a third.
 * Models published later go to the first Worker unless `publish --worker`
 * names another.
 */
export const SUITE: { router: string; workers: readonly SuiteWorker[] } = {
  router: 'edge-classify',
  workers: [
    { name: 'edge-classify-electra', binding: 'WORKER_ELECTRA', models: ['electra-small-spam', 'electra-small'] },
    { name: 'edge-classify-albert', binding: 'WORKER_ALBERT', models: ['albert-spam', 'albert-base-v2'] },
  ],
}

/** The suite Worker that serves a catalogue model, if the catalogue places it. */
export const workerOfModel = (id: string): string | undefined => SUITE.workers.find((w) => w.models.includes(id))?.name
