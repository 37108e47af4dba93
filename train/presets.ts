import { resolveConfig } from '../scripts/checkpoint/generate.ts'
import type { HfConfig } from '../scripts/convert/config.ts'

/**
 * The two trained defaults: what they are, which shared tokenizer they use,
 * and their training hyper-parameters.
 */

/** One trainable model. */
export interface TrainPreset {
  /** model id (and models/<id>/ folder) */
  id: string
  /** shared tokenizer folder under shared/tokenizers */
  tokenizer: string
  config: HfConfig
  maxLength: number
  batchSize: number
  /** examples per forward/backward pass (gradients summed to batchSize); default batchSize */
  microBatch?: number
  epochs: number
  peakLr: number
  warmupSteps: number
  evalEvery: number
}

export const ID2LABEL = { 0: 'ham', 1: 'spam' }

/**
 * ELECTRA-small discriminator dimensions (emb 128 -> hidden 256, 12 layers,
 * 4 heads, FFN 1024). Attention-probability dropout is off: on the wasm
 * backend it costs a random tensor per layer the size of the scores, and the
 * hidden dropout already regularises.
 */
const electra = (): TrainPreset => ({
  id: 'electra-small-spam',
  tokenizer: 'electra-small',
  config: resolveConfig({
    preset: 'electra-small',
    id2label: ID2LABEL,
    config: { attention_probs_dropout_prob: 0, hidden_dropout_prob: 0.1, max_position_embeddings: 128 },
  }),
  maxLength: 128,
  batchSize: 16,
  // batch 16 in one pass exceeds the wasm heap (Aborted); two passes of 8
  microBatch: 8,
  epochs: 2,
  peakLr: 1e-4,
  warmupSteps: 60,
  evalEvery: 72,
})

/**
 * ALBERT with factorized embeddings (128) and one shared layer group:
 * hidden 256, 4 heads, FFN 1024, applied 6 times. ALBERT-base's hidden 768
 * costs ~9x per layer on 2 cores; at hidden 256 a layer costs what an
 * ELECTRA-small layer does, and 6 applications make a step about half of
 * ELECTRA-small's, so it gets twice the epochs in the same wall time.
 */
const albert = (): TrainPreset => ({
  id: 'albert-spam',
  tokenizer: 'albert-base-v2',
  config: resolveConfig({
    preset: 'albert-base-v2',
    id2label: ID2LABEL,
    config: {
      hidden_size: 256,
      num_attention_heads: 4,
      intermediate_size: 1024,
      num_hidden_layers: 6,
      hidden_dropout_prob: 0.1,
      attention_probs_dropout_prob: 0,
      max_position_embeddings: 128,
    },
  }),
  maxLength: 128,
  batchSize: 16,
  epochs: 4,
  peakLr: 2e-4,
  warmupSteps: 60,
  evalEvery: 72,
})

/** Tiny versions of both, for tests and smoke runs. */
const tiny = (model: 'electra' | 'albert'): TrainPreset => ({
  ...(model === 'electra' ? electra() : albert()),
  id: `${model}-tiny-spam`,
  config: resolveConfig({ preset: `${model}-tiny`, id2label: ID2LABEL }),
  maxLength: 32,
  batchSize: 8,
  epochs: 1,
  peakLr: 1e-3,
  warmupSteps: 5,
  evalEvery: 20,
})

/** The preset for `--model`: electra, albert, electra-tiny, albert-tiny. */
export function trainPreset(model: string): TrainPreset {
  if (model === 'electra') return electra()
  if (model === 'albert') return albert()
  if (model === 'electra-tiny') return tiny('electra')
  if (model === 'albert-tiny') return tiny('albert')
  throw new Error(`Unknown --model "${model}"; choose electra, albert, electra-tiny or albert-tiny`)
}
