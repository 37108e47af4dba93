import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ModelVersion, Precision, HfProblemType, Verification } from '../../src/core/schema/manifest.ts'
import type { EncodeInput } from '../../src/core/tokenizers/types.ts'
import { type Tokenizer } from '../../src/core/tokenizers/tokenizer.ts'
import { architectureOf } from '../convert/config.ts'
import { numLabels } from '../convert/config.ts'
import { type HfConfig, convertCheckpoint, readHfConfig } from '../convert/index.ts'
import { readModel } from '../onnx/proto.ts'
import { type QuantizeReport, quantizeModel } from '../quantize/index.ts'
import { optimizeForServing } from '../onnx/optimize.ts'
import { verifyModels } from '../verify/index.ts'
import { DEFAULT_TEXTS } from '../verify/texts.ts'
import { AppError } from '../../src/core/errors.ts'

/** A model ready to upload: the served bytes and what the manifest says about them. */
export interface PreparedModel extends Pick<
  ModelVersion,
  'architecture' | 'hf_architecture' | 'precision' | 'problem_type' | 'id2label' | 'max_length' | 'inputs' | 'graph_optimization'
> {
  /** the bytes the Worker will serve (int8 or fp32) */
  served: Uint8Array
  verification?: Verification
  quantization?: QuantizeReport
}

export interface PrepareOptions {
  precision: Precision
  tokenizer: Tokenizer
  texts?: readonly EncodeInput[]
  max_length?: number
  onProgress: (message: string) => void
}

/** Ops that only a quantized graph contains: such an export is served as it is. */
const QUANTIZED_OPS = new Set([
  'DynamicQuantizeLinear',
  'MatMulInteger',
  'MatMulIntegerToFloat',
  'DynamicQuantizeMatMul',
  'QLinearMatMul',
  'DequantizeLinear',
])

/**
 * Reads a Hugging Face checkpoint folder (model.safetensors) or an ONNX export
 * folder (model.onnx), converts the former to fp32 ONNX, and quantizes and
 * verifies when int8 is asked for.
 */
export async function prepareModel(dir: string, options: PrepareOptions): Promise<PreparedModel> {
  const say = options.onProgress
  const hasCheckpoint = existsSync(join(dir, 'model.safetensors'))
  const hasOnnx = existsSync(join(dir, 'model.onnx'))
  if (!hasCheckpoint && !hasOnnx) {
    throw new AppError(
      'missing_file',
      `${dir} has neither model.safetensors (a Hugging Face checkpoint: save it with model.save_pretrained(dir, safe_serialization=True)) nor model.onnx (an ONNX export).`,
    )
  }
  if (!existsSync(join(dir, 'config.json'))) {
    throw new AppError('missing_file', `${dir} has no config.json; it carries the labels (id2label) and architecture.`)
  }

  let fp32: Uint8Array
  let config: HfConfig
  if (hasCheckpoint) {
    say('converting the checkpoint to ONNX')
    const converted = await convertCheckpoint(dir, { onProgress: say })
    fp32 = converted.onnx
    config = converted.config
  } else {
    fp32 = new Uint8Array(await readFile(join(dir, 'model.onnx')))
    config = await readHfConfig(dir)
  }
  const { architecture, hf_architecture } = architectureOf(config)
  const problem_type = problemTypeOf(config)
  const graph = readModel(fp32).graph
  const inputs = (graph?.input ?? []).map((v) => v.name ?? '')
  const ops = new Set((graph?.node ?? []).map((n) => n.opType ?? ''))
  const alreadyQuantized = [...ops].some((op) => QUANTIZED_OPS.has(op))
  const max_length = Math.min(options.max_length ?? 512, config.max_position_embeddings)
  const base = { architecture, hf_architecture, problem_type, id2label: config.id2label, max_length, inputs }

  const texts = options.texts ?? DEFAULT_TEXTS
  const optimize = async (model: Uint8Array): Promise<Pick<PreparedModel, 'served' | 'graph_optimization'>> => {
    const result = await optimizeForServing(model, {
      tokenizer: options.tokenizer,
      texts,
      max_length: Math.min(max_length, 128),
      onProgress: say,
    })
    if (!result.optimized) say(`serving the graph unoptimized (the Worker optimizes it at load): ${result.reason}`)
    return { served: result.model, graph_optimization: result.optimized ? 'extended' : 'none' }
  }

  if (options.precision === 'fp32' || alreadyQuantized) {
    if (alreadyQuantized) say('model.onnx is already quantized: serving it without re-quantizing (no fp32 reference to verify against)')
    return { ...base, precision: alreadyQuantized ? 'int8' : 'fp32', ...(await optimize(fp32)) }
  }

  say('quantizing to int8')
  const { model: int8, report } = quantizeModel(fp32, { onProgress: say })
  say(`int8 model: ${(int8.byteLength / 2 ** 20).toFixed(1)} MiB (fp32 ${(fp32.byteLength / 2 ** 20).toFixed(1)} MiB)`)
  say(`verifying int8 against fp32 on ${texts.length} texts`)
  const { per_text: _, ...verification } = await verifyModels({
    fp32,
    int8,
    tokenizer: options.tokenizer,
    texts,
    max_length: Math.min(max_length, 128),
  })
  return { ...base, precision: 'int8', ...(await optimize(int8)), verification, quantization: report }
}

/**
 * The served problem type. A one-label model (a cross-encoder's relevance
 * score, a regression) is 'regression', as transformers sets it when it
 * trains one, and served through a sigmoid, as its text-classification
 * pipeline does for one label. A regression with several outputs has no
 * labels to rank, so it is refused.
 */
function problemTypeOf(config: HfConfig): HfProblemType {
  const labels = numLabels(config)
  if (labels === 0)
    throw new AppError('unsupported_model', 'config.json has an empty id2label; set one label per output of the classifier.')
  if (config.problem_type === 'multi_label_classification') return 'multi_label_classification'
  if (labels === 1) return 'regression'
  if (config.problem_type === 'regression') {
    throw new AppError(
      'unsupported_model',
      `This is a regression model with ${labels} outputs (problem_type "regression"); only classifiers and one-output scores are served. ` +
        'Set id2label to one label for a single score, or fine-tune it as a classifier.',
    )
  }
  return config.problem_type ?? 'single_label_classification'
}
