import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Architecture } from '../../src/core/schema/manifest.ts'
import { AppError } from '../../src/core/errors.ts'

/**
 * A Hugging Face `config.json` for the encoder classifiers we convert, with the
 * file's own snake_case field names (transformers' AlbertConfig, ElectraConfig,
 * BertConfig, ErnieConfig). Fields a file may omit are filled with the class
 * defaults by {@link parseHfConfig}, because `save_pretrained` drops values
 * equal to them. DistilBertConfig names its fields differently (`dim`,
 * `n_layers`, ...); parseHfConfig also sets the BERT names from them, as
 * DistilBertConfig.attribute_map does.
 */
export interface HfConfig {
  architectures: string[]
  model_type: 'albert' | 'electra' | 'bert' | 'distilbert' | 'ernie'
  vocab_size: number
  /** Factorized embedding width (ALBERT, ELECTRA); BERT uses hidden_size. */
  embedding_size: number
  hidden_size: number
  num_hidden_layers: number
  num_attention_heads: number
  intermediate_size: number
  /** 'gelu' (erf form), 'gelu_new' / 'gelu_pytorch_tanh' (tanh form), 'relu', ... */
  hidden_act: string
  hidden_dropout_prob: number
  attention_probs_dropout_prob: number
  max_position_embeddings: number
  type_vocab_size: number
  initializer_range: number
  layer_norm_eps: number
  position_embedding_type: string
  pad_token_id: number
  /** ALBERT: layer groups sharing weights, and layers per group. */
  num_hidden_groups?: number
  inner_group_num?: number
  /** ALBERT's classifier dropout; ELECTRA/BERT use classifier_dropout. */
  classifier_dropout_prob?: number
  classifier_dropout?: number | null
  /** ERNIE 2.0/3.0: a task_type_embeddings table added to the embeddings (task id 0 at inference). */
  use_task_id?: boolean
  task_type_vocab_size?: number
  id2label: Record<string, string>
  label2id: Record<string, number>
  problem_type?: 'single_label_classification' | 'multi_label_classification' | 'regression' | null
  torch_dtype?: string
  transformers_version?: string
  [extra: string]: unknown
}

/** The HF classes this converter supports, and the architecture each maps to. */
export const SUPPORTED_ARCHITECTURES: Record<string, Architecture> = {
  AlbertForSequenceClassification: 'albert',
  ElectraForSequenceClassification: 'electra',
  BertForSequenceClassification: 'bert',
  DistilBertForSequenceClassification: 'distilbert',
  ErnieForSequenceClassification: 'ernie',
}

/** The defaults BertConfig, ElectraConfig and ErnieConfig share beside their sizes. */
const BERT_DEFAULTS = {
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  position_embedding_type: 'absolute',
  pad_token_id: 0,
  classifier_dropout: null,
} as const satisfies Partial<HfConfig>

const BERT_BASE = {
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  ...BERT_DEFAULTS,
} as const satisfies Partial<HfConfig>

/** Defaults of transformers' config classes (configuration_{albert,electra,bert,distilbert,ernie}.py). */
const CLASS_DEFAULTS: Record<HfConfig['model_type'], Partial<HfConfig>> = {
  albert: {
    vocab_size: 30000,
    embedding_size: 128,
    hidden_size: 4096,
    num_hidden_layers: 12,
    num_hidden_groups: 1,
    num_attention_heads: 64,
    intermediate_size: 16384,
    inner_group_num: 1,
    hidden_act: 'gelu_new',
    hidden_dropout_prob: 0,
    attention_probs_dropout_prob: 0,
    max_position_embeddings: 512,
    type_vocab_size: 2,
    initializer_range: 0.02,
    layer_norm_eps: 1e-12,
    classifier_dropout_prob: 0.1,
    position_embedding_type: 'absolute',
    pad_token_id: 0,
  },
  electra: {
    vocab_size: 30522,
    embedding_size: 128,
    hidden_size: 256,
    num_hidden_layers: 12,
    num_attention_heads: 4,
    intermediate_size: 1024,
    ...BERT_DEFAULTS,
  },
  bert: BERT_BASE,
  // DistilBertConfig's own field names; DISTILBERT_ATTRIBUTES maps them to the BERT names.
  distilbert: {
    vocab_size: 30522,
    max_position_embeddings: 512,
    sinusoidal_pos_embds: false,
    n_layers: 6,
    n_heads: 12,
    dim: 768,
    hidden_dim: 3072,
    dropout: 0.1,
    attention_dropout: 0.1,
    activation: 'gelu',
    initializer_range: 0.02,
    qa_dropout: 0.1,
    seq_classif_dropout: 0.2,
    pad_token_id: 0,
  },
  // ErnieConfig is BertConfig's, plus task-type embeddings.
  ernie: { ...BERT_BASE, task_type_vocab_size: 3, use_task_id: false },
}

/**
 * DistilBertConfig.attribute_map (BERT name -> DistilBERT field), plus the two
 * values its modules fix in code: LayerNorm eps 1e-12 and no token types.
 */
export const DISTILBERT_ATTRIBUTES = {
  hidden_size: 'dim',
  num_hidden_layers: 'n_layers',
  num_attention_heads: 'n_heads',
  intermediate_size: 'hidden_dim',
  hidden_act: 'activation',
  hidden_dropout_prob: 'dropout',
  attention_probs_dropout_prob: 'attention_dropout',
} as const
const DISTILBERT_FIXED = { layer_norm_eps: 1e-12, type_vocab_size: 1, position_embedding_type: 'absolute' }

/** The config.json fields of `config` as transformers writes them (without the BERT names set for DistilBERT). */
export function configFields(config: HfConfig): Record<string, unknown> {
  if (config.model_type !== 'distilbert') return { ...config }
  const drop = new Set<string>([...Object.keys(DISTILBERT_ATTRIBUTES), ...Object.keys(DISTILBERT_FIXED), 'embedding_size'])
  return Object.fromEntries(Object.entries(config).filter(([k]) => !drop.has(k)))
}

const MODEL_TYPES: readonly string[] = ['albert', 'electra', 'bert', 'distilbert', 'ernie']
const isModelType = (s: unknown): s is HfConfig['model_type'] => typeof s === 'string' && MODEL_TYPES.includes(s)

/** The architecture and HF class named by a config, or a ConvertError naming the supported ones. */
export function architectureOf(config: Pick<HfConfig, 'architectures' | 'model_type'>): {
  architecture: Architecture
  hf_architecture: string
} {
  const hf = config.architectures[0]
  const architecture = hf === undefined ? undefined : SUPPORTED_ARCHITECTURES[hf]
  if (hf === undefined || architecture === undefined) {
    throw new AppError(
      'unsupported_architecture',
      `config.json names architecture ${hf ?? '(none)'} (model_type ${config.model_type}); supported: ` +
        `${Object.keys(SUPPORTED_ARCHITECTURES).join(', ')}. Fine-tune or save the checkpoint as one of these classes.`,
    )
  }
  return { architecture, hf_architecture: hf }
}

/**
 * Validates a parsed config.json and fills class defaults, the default
 * two-label id2label/label2id, and embedding_size = hidden_size for BERT.
 */
export function parseHfConfig(json: unknown, source = 'config.json'): HfConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new AppError('invalid_config', `${source} is not a JSON object`)
  }
  const raw = json as Record<string, unknown>
  const modelType = raw.model_type
  if (!isModelType(modelType)) {
    const named = Array.isArray(raw.architectures) ? raw.architectures.map(String).join(', ') : '(none)'
    throw new AppError(
      'unsupported_architecture',
      `${source}: model_type ${String(modelType)} (architectures ${named}) is not supported; supported: ` +
        `${Object.keys(SUPPORTED_ARCHITECTURES).join(', ')}`,
    )
  }
  const defaults = CLASS_DEFAULTS[modelType]
  const merged: Record<string, unknown> = { ...defaults, ...raw }
  if (modelType === 'distilbert') {
    for (const [bert, own] of Object.entries(DISTILBERT_ATTRIBUTES)) merged[bert] = merged[own]
    Object.assign(merged, DISTILBERT_FIXED)
  }
  if (merged.embedding_size === undefined) merged.embedding_size = merged.hidden_size
  if (!Array.isArray(merged.architectures) || merged.architectures.length === 0) {
    throw new AppError(
      'invalid_config',
      `${source}: "architectures" is missing; it names the HF class, e.g. ["${Object.keys(SUPPORTED_ARCHITECTURES)[0]}"]`,
    )
  }
  const numeric = [
    'vocab_size',
    'embedding_size',
    'hidden_size',
    'num_hidden_layers',
    'num_attention_heads',
    'intermediate_size',
    'max_position_embeddings',
    'type_vocab_size',
    'layer_norm_eps',
  ] as const
  // Errors name the field as the file spells it (DistilBERT's dim, n_heads, ...).
  const fileName = (key: string): string =>
    modelType !== 'distilbert'
      ? key
      : key === 'embedding_size'
        ? 'dim'
        : key in DISTILBERT_ATTRIBUTES
          ? DISTILBERT_ATTRIBUTES[key as keyof typeof DISTILBERT_ATTRIBUTES]
          : key
  for (const key of numeric) {
    const v = merged[key]
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new AppError('invalid_config', `${source}: "${fileName(key)}" must be a positive number, got ${JSON.stringify(v)}`)
    }
  }
  if (typeof merged.hidden_act !== 'string') {
    throw new AppError('invalid_config', `${source}: "${fileName('hidden_act')}" must be a string such as "gelu" or "gelu_new"`)
  }
  if ((merged.hidden_size as number) % (merged.num_attention_heads as number) !== 0) {
    throw new AppError(
      'invalid_config',
      `${source}: ${fileName('hidden_size')} ${String(merged.hidden_size)} is not a multiple of ${fileName('num_attention_heads')} ${String(merged.num_attention_heads)}`,
    )
  }
  if (modelType === 'ernie' && merged.use_task_id === true) {
    const n = merged.task_type_vocab_size
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
      throw new AppError(
        'invalid_config',
        `${source}: "task_type_vocab_size" must be a positive integer when use_task_id is true, got ${JSON.stringify(n)}`,
      )
    }
  }
  if (merged.position_embedding_type !== 'absolute') {
    throw new AppError(
      'invalid_config',
      `${source}: position_embedding_type ${String(merged.position_embedding_type)} is not supported; only "absolute"`,
    )
  }
  const id2label = (merged.id2label ?? { 0: 'LABEL_0', 1: 'LABEL_1' }) as Record<string, string>
  merged.id2label = id2label
  merged.label2id ??= Object.fromEntries(Object.entries(id2label).map(([id, label]) => [label, Number(id)]))
  return merged as HfConfig
}

/** Reads and validates `<dir>/config.json`. */
export async function readHfConfig(dir: string): Promise<HfConfig> {
  const path = join(dir, 'config.json')
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new AppError(
      'missing_file',
      `${path} not found (${(e as Error).message}); a HF checkpoint folder holds config.json and model.safetensors`,
    )
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new AppError('invalid_config', `${path} is not JSON: ${(e as Error).message}`)
  }
  return parseHfConfig(json, path)
}

/** Number of output labels (HF's num_labels = len(id2label)). */
export const numLabels = (config: HfConfig): number => Object.keys(config.id2label).length
