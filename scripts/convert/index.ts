import { access } from 'node:fs/promises'
import { join } from 'node:path'
import type { Architecture } from '../../src/core/schema/manifest.ts'
import type { onnx } from '../onnx/proto.ts'
import { writeModel } from '../onnx/proto.ts'
import { loadSafetensors } from './safetensors.ts'
import { albertForSequenceClassification } from './albert.ts'
import { bertForSequenceClassification } from './bert.ts'
import { architectureOf, type HfConfig, readHfConfig } from './config.ts'
import { distilbertForSequenceClassification } from './distilbert.ts'
import { electraForSequenceClassification } from './electra.ts'
import { ernieForSequenceClassification } from './ernie.ts'
import type { BuildOptions } from './options.ts'
import { readModelInputNames } from './tokenizer-config.ts'
import { CheckpointWeights } from './weights.ts'
import { AppError } from '../../src/core/errors.ts'

export { type HfConfig, parseHfConfig, readHfConfig, SUPPORTED_ARCHITECTURES } from './config.ts'

/** The result of converting a checkpoint: fp32 ONNX bytes (opset 17) plus what it was made from. */
export interface ConvertResult {
  onnx: Uint8Array
  config: HfConfig
  architecture: Architecture
  hf_architecture: string
}

/** Options for {@link convertCheckpoint} and {@link convertWeights}. */
export interface ConvertOptions {
  /** Called with a short line per long step (reading weights, each layer, encoding). */
  onProgress?: (msg: string) => void
  /**
   * The tokenizer's model_input_names (tokenizer_config.json): without
   * token_type_ids the graph takes none and embeds token type 0. Default: the
   * class's own inputs (token_type_ids for all but DistilBERT).
   */
  modelInputNames?: readonly string[]
}

type ModelBuilder = (config: HfConfig, weights: CheckpointWeights, options: BuildOptions) => onnx.ModelProto

const BUILDERS: Record<Architecture, ModelBuilder> = {
  albert: albertForSequenceClassification,
  electra: electraForSequenceClassification,
  bert: bertForSequenceClassification,
  distilbert: distilbertForSequenceClassification,
  ernie: ernieForSequenceClassification,
}

/** Builds the fp32 ONNX graph for an already-read config and checkpoint. */
export function convertWeights(config: HfConfig, weights: CheckpointWeights, options: ConvertOptions = {}): ConvertResult {
  const { architecture, hf_architecture } = architectureOf(config)
  const build = BUILDERS[architecture]
  const tokenTypeIds = options.modelInputNames === undefined || options.modelInputNames.includes('token_type_ids')
  const model = build(config, weights, { tokenTypeIds, ...(options.onProgress ? { onProgress: options.onProgress } : {}) })
  options.onProgress?.('encoding ONNX')
  return { onnx: writeModel(model), config, architecture, hf_architecture }
}

/**
 * Converts a Hugging Face checkpoint folder (config.json + model.safetensors)
 * to an fp32 ONNX model with inputs input_ids / attention_mask /
 * token_type_ids (int64 [batch, sequence]; no token_type_ids for DistilBERT,
 * or when tokenizer_config.json's model_input_names lacks them) and output
 * logits (float32 [batch, num_labels]). Every checkpoint tensor must be used and match its
 * shape; a ConvertError lists the missing, unexpected and misshaped keys.
 *
 * @example
 * const { onnx, hf_architecture } = await convertCheckpoint('.artifacts/electra-tiny', { onProgress: console.log })
 */
export async function convertCheckpoint(dir: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  const config = await readHfConfig(dir)
  architectureOf(config) // fail on an unsupported class before reading the weights
  const path = join(dir, 'model.safetensors')
  await access(path).catch(() => {
    throw new AppError(
      'missing_file',
      `${path} not found; save the checkpoint with safe_serialization=True (pytorch_model.bin is not read)`,
    )
  })
  options.onProgress?.(`reading ${path}`)
  const { tensors } = await loadSafetensors(path)
  const modelInputNames = options.modelInputNames ?? (await readModelInputNames(dir))
  return convertWeights(config, new CheckpointWeights(tensors), { ...options, ...(modelInputNames ? { modelInputNames } : {}) })
}
