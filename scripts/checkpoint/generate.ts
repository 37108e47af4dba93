import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { architectureOf, configFields, type HfConfig, parseHfConfig } from '../convert/config.ts'
import { f16ToF32, f32ToF16, type WritableTensor, writeSafetensors } from '../convert/safetensors.ts'
import {
  albertParameters,
  bertParameters,
  distilbertParameters,
  electraParameters,
  ernieParameters,
  type ParameterSpec,
} from './parameters.ts'
import { mulberry32 } from './random.ts'

/**
 * Deterministic, seeded Hugging Face checkpoints (config.json +
 * model.safetensors with transformers' exact field and parameter names) for
 * testing the pipeline without downloading weights. The weights are random but
 * sized so that a wrong op shows: Linear std 1/sqrt(in_features) (not
 * transformers' 0.02, under which gelu vs gelu_new moves ELECTRA's logits by
 * ~6e-6), LayerNorm gamma 1 ± 0.2 and beta, biases ± 0.1.
 */

/** A named configuration: the HF class and its config.json fields. */
export interface Preset {
  architecture: string
  config: Record<string, unknown>
}

const ALBERT_FIELDS = {
  model_type: 'albert',
  attention_probs_dropout_prob: 0,
  bos_token_id: 2,
  classifier_dropout_prob: 0.1,
  down_scale_factor: 1,
  eos_token_id: 3,
  gap_size: 0,
  hidden_dropout_prob: 0,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  net_structure_type: 0,
  num_memory_blocks: 0,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  type_vocab_size: 2,
}
const ELECTRA_FIELDS = {
  model_type: 'electra',
  attention_probs_dropout_prob: 0.1,
  classifier_dropout: null,
  hidden_dropout_prob: 0.1,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  summary_activation: 'gelu',
  summary_last_dropout: 0.1,
  summary_type: 'first',
  summary_use_proj: true,
  type_vocab_size: 2,
  use_cache: true,
}
const BERT_FIELDS = {
  model_type: 'bert',
  attention_probs_dropout_prob: 0.1,
  classifier_dropout: null,
  hidden_dropout_prob: 0.1,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  type_vocab_size: 2,
  use_cache: true,
}
const DISTILBERT_FIELDS = {
  model_type: 'distilbert',
  activation: 'gelu',
  attention_dropout: 0.1,
  dropout: 0.1,
  initializer_range: 0.02,
  max_position_embeddings: 512,
  pad_token_id: 0,
  qa_dropout: 0.1,
  seq_classif_dropout: 0.2,
  sinusoidal_pos_embds: false,
  tie_weights_: true,
}
/** ERNIE 3.0's config.json fields (nghuyong/ernie-3.0-*-zh): task ids on, eps 1e-5, a 40k Chinese vocabulary. */
const ERNIE3_FIELDS = {
  model_type: 'ernie',
  attention_probs_dropout_prob: 0.1,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  initializer_range: 0.02,
  layer_norm_eps: 1e-5,
  max_position_embeddings: 2048,
  pad_token_id: 0,
  task_type_vocab_size: 16,
  type_vocab_size: 4,
  use_task_id: true,
  vocab_size: 40000,
}

/** MiniLM's hidden-384 BERT (nreimers/MiniLM-L6-H384-uncased, and its 12-layer sibling): 12 heads of 32. */
const MINILM_H384 = {
  ...BERT_FIELDS,
  vocab_size: 30522,
  hidden_size: 384,
  num_attention_heads: 12,
  intermediate_size: 1536,
  max_position_embeddings: 512,
  hidden_act: 'gelu',
}

/**
 * Full-size presets with the published models' dims, and tiny ones for tests
 * (real vocab sizes, so real tokenizer ids stay in range).
 */
export const PRESETS: Record<string, Preset> = {
  'electra-small': {
    architecture: 'ElectraForSequenceClassification',
    config: {
      ...ELECTRA_FIELDS,
      vocab_size: 30522,
      embedding_size: 128,
      hidden_size: 256,
      num_hidden_layers: 12,
      num_attention_heads: 4,
      intermediate_size: 1024,
      max_position_embeddings: 512,
      hidden_act: 'gelu',
    },
  },
  'albert-base-v2': {
    architecture: 'AlbertForSequenceClassification',
    config: {
      ...ALBERT_FIELDS,
      vocab_size: 30000,
      embedding_size: 128,
      hidden_size: 768,
      num_hidden_layers: 12,
      num_hidden_groups: 1,
      inner_group_num: 1,
      num_attention_heads: 12,
      intermediate_size: 3072,
      max_position_embeddings: 512,
      hidden_act: 'gelu_new',
    },
  },
  'electra-tiny': {
    architecture: 'ElectraForSequenceClassification',
    config: {
      ...ELECTRA_FIELDS,
      vocab_size: 30522,
      embedding_size: 16,
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 64,
      max_position_embeddings: 512,
      hidden_act: 'gelu',
    },
  },
  'albert-tiny': {
    architecture: 'AlbertForSequenceClassification',
    config: {
      ...ALBERT_FIELDS,
      vocab_size: 30000,
      embedding_size: 16,
      hidden_size: 32,
      num_hidden_layers: 3,
      num_hidden_groups: 1,
      inner_group_num: 1,
      num_attention_heads: 4,
      intermediate_size: 64,
      max_position_embeddings: 512,
      hidden_act: 'gelu_new',
    },
  },
  'bert-tiny': {
    architecture: 'BertForSequenceClassification',
    config: {
      ...BERT_FIELDS,
      vocab_size: 30522,
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 64,
      max_position_embeddings: 512,
      hidden_act: 'gelu',
    },
  },
  // distilbert-base-uncased (and its SST-2 fine-tune).
  'distilbert-base': {
    architecture: 'DistilBertForSequenceClassification',
    config: { ...DISTILBERT_FIELDS, vocab_size: 30522, dim: 768, n_layers: 6, n_heads: 12, hidden_dim: 3072 },
  },
  'distilbert-tiny': {
    architecture: 'DistilBertForSequenceClassification',
    config: { ...DISTILBERT_FIELDS, vocab_size: 30522, dim: 32, n_layers: 2, n_heads: 4, hidden_dim: 64 },
  },
  // nghuyong/ernie-3.0-nano-zh.
  'ernie-3.0-nano': {
    architecture: 'ErnieForSequenceClassification',
    config: { ...ERNIE3_FIELDS, hidden_size: 312, num_hidden_layers: 4, num_attention_heads: 12, intermediate_size: 1248 },
  },
  'ernie-tiny': {
    architecture: 'ErnieForSequenceClassification',
    config: { ...ERNIE3_FIELDS, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64 },
  },
  // huawei-noah/TinyBERT_General_4L_312D: 12 heads of 26.
  'tinybert-4l-312': {
    architecture: 'BertForSequenceClassification',
    config: {
      ...BERT_FIELDS,
      vocab_size: 30522,
      hidden_size: 312,
      num_hidden_layers: 4,
      num_attention_heads: 12,
      intermediate_size: 1200,
      max_position_embeddings: 512,
      hidden_act: 'gelu',
    },
  },
  // nreimers/MiniLM-L6-H384-uncased: 12 heads of 32.
  'minilm-l6-h384': { architecture: 'BertForSequenceClassification', config: { ...MINILM_H384, num_hidden_layers: 6 } },
  'minilm-l12-h384': { architecture: 'BertForSequenceClassification', config: { ...MINILM_H384, num_hidden_layers: 12 } },
  // cross-encoder/ms-marco-MiniLM-L6-v2: MiniLM-L6-H384 with one output (a relevance score), read on text pairs.
  'cross-encoder-minilm-l6': {
    architecture: 'BertForSequenceClassification',
    config: { ...MINILM_H384, num_hidden_layers: 6, id2label: { 0: 'LABEL_0' } },
  },
}

/** Options for {@link generateCheckpoint} and {@link generateTensors}. */
export interface GenerateOptions {
  /** A key of PRESETS; `architecture` and `config` override it. */
  preset?: string
  /** HF class, e.g. 'ElectraForSequenceClassification'. */
  architecture?: string
  /** config.json fields to set or override (snake_case, as in the file). */
  config?: Record<string, unknown>
  /** Labels (default LABEL_0/LABEL_1, like transformers). */
  id2label?: Record<string, string>
  seed?: number
  /** Std of every Linear/embedding weight; default 1/sqrt(in_features). */
  std?: number
  /** Storage dtype of model.safetensors (F16 weights are rounded before writing). */
  dtype?: 'F32' | 'F16'
}

/** Standard normal samples from a uniform source (Box-Muller). */
function gaussian(uniform: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())
}

/** The validated HfConfig a generation would write. */
export function resolveConfig(options: GenerateOptions): HfConfig {
  const preset = options.preset === undefined ? undefined : PRESETS[options.preset]
  if (options.preset !== undefined && preset === undefined) {
    throw new Error(`Unknown checkpoint preset "${options.preset}"; choose one of ${Object.keys(PRESETS).join(', ')}`)
  }
  const architecture = options.architecture ?? preset?.architecture
  if (architecture === undefined) throw new Error('generateCheckpoint needs a preset or an architecture')
  const presetLabels = preset?.config.id2label as Record<string, string> | undefined
  const id2label = options.id2label ?? presetLabels ?? { 0: 'LABEL_0', 1: 'LABEL_1' }
  const config = parseHfConfig(
    {
      ...preset?.config,
      ...options.config,
      architectures: [architecture],
      id2label,
      label2id: Object.fromEntries(Object.entries(id2label).map(([id, label]) => [label, Number(id)])),
      torch_dtype: options.dtype === 'F16' ? 'float16' : 'float32',
    },
    'generated config',
  )
  architectureOf(config)
  return config
}

/** The parameter list of the config's HF class. */
export function parameterSpecs(config: HfConfig): ParameterSpec[] {
  const { architecture } = architectureOf(config)
  if (architecture === 'albert') return albertParameters(config)
  if (architecture === 'electra') return electraParameters(config)
  if (architecture === 'bert') return bertParameters(config)
  if (architecture === 'distilbert') return distilbertParameters(config)
  return ernieParameters(config)
}

/** Generates the checkpoint tensors in memory (same values generateCheckpoint writes). */
export function generateTensors(
  config: HfConfig,
  options: Pick<GenerateOptions, 'seed' | 'std' | 'dtype'> = {},
): Record<string, WritableTensor> {
  const normal = gaussian(mulberry32(options.seed ?? 0))
  const dtype = options.dtype ?? 'F32'
  const tensors: Record<string, WritableTensor> = {}
  for (const spec of parameterSpecs(config)) {
    const n = spec.shape.reduce((a, b) => a * b, 1)
    const data = new Float32Array(n)
    const fanIn = spec.shape[spec.shape.length - 1] ?? 1
    const [scale, offset] =
      spec.kind === 'linear' || spec.kind === 'embedding'
        ? [options.std ?? 1 / Math.sqrt(fanIn), 0]
        : spec.kind === 'ln_weight'
          ? [0.2, 1]
          : [0.1, 0] // bias, ln_bias
    for (let i = 0; i < n; i++) data[i] = offset + scale * normal()
    // Round F16 checkpoints here so the in-memory values equal what is read back.
    if (dtype === 'F16') for (let i = 0; i < n; i++) data[i] = f16ToF32(f32ToF16(data[i] ?? 0))
    tensors[spec.name] = { dtype, shape: spec.shape, data }
  }
  return tensors
}

/** The config.json text transformers' save_pretrained would write (sorted keys, 2-space indent). */
export function configJson(config: HfConfig): string {
  const sorted = Object.fromEntries(Object.entries(configFields(config)).sort(([a], [b]) => a.localeCompare(b)))
  return `${JSON.stringify(sorted, null, 2)}\n`
}

/**
 * Writes `<outDir>/config.json` and `<outDir>/model.safetensors` for a seeded
 * random checkpoint.
 *
 * @example
 * await generateCheckpoint({ preset: 'electra-tiny', seed: 1, outDir: '.artifacts/electra-tiny' })
 */
export async function generateCheckpoint(
  options: GenerateOptions & { outDir: string },
): Promise<{ dir: string; config: HfConfig; bytes: number }> {
  const config = resolveConfig(options)
  const tensors = generateTensors(config, options)
  const safetensors = writeSafetensors(tensors, { format: 'pt' })
  await mkdir(options.outDir, { recursive: true })
  await writeFile(join(options.outDir, 'config.json'), configJson(config))
  await writeFile(join(options.outDir, 'model.safetensors'), safetensors)
  return { dir: options.outDir, config, bytes: safetensors.byteLength }
}
