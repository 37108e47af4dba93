/**
 * Int8 dynamic quantization of an ONNX model, in TypeScript: int8 weights,
 * uint8 activations quantized at run time, embeddings quantized too, each
 * (deduplicated) initializer quantized once however many nodes share it.
 * Patterns it does not support stay fp32 and are listed in the report.
 *
 * @example
 * const { model, report } = quantizeModel(readFileSync('model.onnx'))
 * writeFileSync('model.int8.onnx', model)
 */
import { fuseAttention } from './attention.ts'
import { dedupeInitializers } from './dedupe.ts'
import { quantizeGathers, type GatherOptions } from './gather.ts'
import { GraphIndex, type QuantizedWeight, type SkippedNode } from './graph.ts'
import { fuseSkipLayerNorm } from './layer-norm.ts'
import { quantizeMatMuls, type MatMulForm } from './matmul.ts'
import { elementCount, makeOpsetId, tensorDims } from '../onnx/builder.ts'
import { onnx, readModel, writeModel } from '../onnx/proto.ts'
import { INT7_MAX, INT8_MAX } from './int8.ts'
import { AppError } from '../../src/core/errors.ts'

export type { MatMulForm } from './matmul.ts'
export type { QuantizedWeight, SkippedNode } from './graph.ts'

export interface QuantizeOptions {
  /** graph form of the quantized MatMuls; the default won bench/graph-forms.ts */
  form?: MatMulForm
  /** one weight scale per output column (default true: ~3x smaller logit error than per-tensor, same speed; ORT 1.30's contrib kernels accept a [N] B scale) */
  perChannel?: boolean
  /** share one DynamicQuantizeLinear between MatMuls reading the same tensor (form 'matmul-integer'); default false */
  shareInputQuant?: boolean
  /** embedding scales: per row (default) or per tensor; 'none' keeps embeddings fp32 (the quantize_dynamic/Transformers.js q8 baseline) */
  embeddings?: GatherOptions['granularity'] | 'none'
  /** embedding tables below this many elements stay fp32; default 4096 */
  minGatherElements?: number
  /** attention blocks -> one QAttention each (Q/K/V int8 in one [H, 3H] matrix); default: on for form 'fused' */
  fuseAttention?: boolean
  /** residual Add + LayerNormalization -> SkipLayerNormalization; default: on for form 'fused' */
  fuseSkipLayerNorm?: boolean
  /**
   * 7-bit weights in [-63, 63] (ORT's `reduce_range`), for running the model with native
   * onnxruntime on x86 CPUs without VNNI, whose int8 kernels saturate on full-range weights
   * (docs/int8-exactness.md). onnxruntime-web is exact either way; default false.
   */
  reduceRange?: boolean
  onProgress?: (msg: string) => void
}

export interface QuantizeReport {
  form: MatMulForm
  per_channel: boolean
  /** weights in [-63, 63] instead of [-127, 127] */
  reduce_range: boolean
  embeddings: GatherOptions['granularity'] | 'none'
  /** initializers replaced by int8, each once */
  quantized: QuantizedWeight[]
  /** blocks rewritten into com.microsoft fused ops */
  fused: { attention: number; skip_layer_norm: number }
  /** nodes left fp32, with the reason */
  skipped: SkippedNode[]
  /** identical initializers merged before quantizing */
  deduplicated: Array<{ name: string; kept: string }>
  bytes: {
    /** the input .onnx file */
    input: number
    output: number
    /** float32 initializer bytes before, after */
    fp32_weights_before: number
    fp32_weights_after: number
    int8_weights: number
  }
}

export interface QuantizeResult {
  /** the int8 ONNX model */
  model: Uint8Array
  report: QuantizeReport
}

/**
 * Measured in bench/graph-forms.ts (docs/benchmarks.md): at ORT's default optimization level every MatMul
 * form becomes the same kernels at load; 'fused' writes that result ahead of time and,
 * by default, also the fusions ORT-web's optimizer never makes on an int8 graph
 * (QAttention per attention block, SkipLayerNormalization per residual LayerNorm).
 */
export const DEFAULT_FORM: MatMulForm = 'fused'

/** DynamicQuantizeLinear arrived in opset 11. */
const MIN_OPSET = 11

const DT = onnx.TensorProto.DataType

const weightBytes = (g: GraphIndex, dataType: number): number =>
  g.tensors
    .filter((t) => t.dataType === dataType)
    .reduce((sum, t) => sum + elementCount(tensorDims(t)) * (dataType === DT.FLOAT ? 4 : 1), 0)

/** Decodes an ONNX model, turning protobuf failures and unsupported storage into an actionable error. */
function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  let model: onnx.ModelProto
  try {
    model = readModel(bytes)
  } catch (cause) {
    throw new AppError(
      'invalid_onnx',
      `Not a valid ONNX model (${bytes.length} bytes): ${(cause as Error).message}. ` +
        'Pass the .onnx file written by `convert` or an ONNX export (model.onnx).',
    )
  }
  if (model.graph == null || (model.graph.node ?? []).length === 0) {
    throw new AppError('invalid_onnx', 'The ONNX model has no graph nodes; is this an ONNX model file?')
  }
  const external = (model.graph.initializer ?? []).find((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)
  if (external != null) {
    throw new AppError(
      'unsupported_model',
      `Initializer "${external.name}" keeps its data in an external file; re-export the model with the weights inside the .onnx file.`,
    )
  }
  return model
}

/** Quantizes `model` (ONNX bytes) and says what it did. Throws QuantizeError for invalid or unsupported files. */
export function quantizeModel(model: Uint8Array, options: QuantizeOptions = {}): QuantizeResult {
  const form = options.form ?? DEFAULT_FORM
  const perChannel = options.perChannel ?? true
  const reduceRange = options.reduceRange ?? false
  const weightMax = reduceRange ? INT7_MAX : INT8_MAX
  const progress = options.onProgress
  const proto = decodeModel(model)
  // decodeModel checked the graph exists; decoded messages are class instances
  const graph = proto.graph as onnx.GraphProto
  const opset = proto.opsetImport.find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx')
  const version = Number(opset?.version ?? 0)
  if (version < MIN_OPSET) {
    throw new AppError(
      'unsupported_model',
      `The model uses ONNX opset ${version}; int8 dynamic quantization needs opset ${MIN_OPSET} or later. Re-export with a newer opset (optimum: --opset 17).`,
    )
  }
  const g = new GraphIndex(graph)
  // Old exporters list initializers as graph inputs too; weights are constants here, as in ORT's quantizer.
  graph.input = graph.input.filter((v) => !g.initializers.has(v.name ?? ''))
  g.reindex()
  const fp32Before = weightBytes(g, DT.FLOAT)

  progress?.('quantize: merging identical initializers')
  const deduplicated = dedupeInitializers(g)
  const fused = { attention: 0, skip_layer_norm: 0 }
  if (options.fuseAttention ?? form === 'fused') {
    fused.attention = fuseAttention(g, { perChannel, weightMax })
    progress?.(`quantize: ${fused.attention} attention blocks fused into QAttention`)
  }
  progress?.(`quantize: ${deduplicated.length} duplicate initializers merged; quantizing MatMul/Gemm`)
  quantizeMatMuls(g, { form, perChannel, shareInputQuant: options.shareInputQuant ?? false, weightMax }, progress)
  progress?.('quantize: quantizing embeddings')
  const embeddings = options.embeddings ?? 'row'
  if (embeddings !== 'none') quantizeGathers(g, { granularity: embeddings, minElements: options.minGatherElements ?? 4096 })
  if (options.fuseSkipLayerNorm ?? form === 'fused') fused.skip_layer_norm = fuseSkipLayerNorm(g)
  g.prune()
  if (g.usesContribOps && !proto.opsetImport.some((o) => o.domain === 'com.microsoft')) {
    proto.opsetImport.push(makeOpsetId('com.microsoft', 1))
  }
  const bytes = writeModel(proto)
  progress?.(`quantize: ${g.quantized.length} weights quantized, ${g.skipped.length} nodes left fp32, ${bytes.length} bytes`)
  return {
    model: bytes,
    report: {
      form,
      per_channel: perChannel,
      reduce_range: reduceRange,
      embeddings,
      fused,
      quantized: g.quantized,
      skipped: g.skipped,
      deduplicated,
      bytes: {
        input: model.length,
        output: bytes.length,
        fp32_weights_before: fp32Before,
        fp32_weights_after: weightBytes(g, DT.FLOAT),
        int8_weights: weightBytes(g, DT.INT8),
      },
    },
  }
}
