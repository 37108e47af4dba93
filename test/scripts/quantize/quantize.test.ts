import { describe, expect, it } from 'vitest'
import { quantizeModel, type MatMulForm } from '../../../scripts/quantize/index.ts'
import * as ortNode from 'onnxruntime-node'
import { attrInt, makeGraph, makeModel, makeNode, makeTensor, makeValueInfo } from '../../../scripts/onnx/builder.ts'
import { onnx, readModel, writeModel } from '../../../scripts/onnx/proto.ts'
import { argmax } from '../../../scripts/verify/index.ts'
import { embeddingModel, expectRunsNatively, maxAbsDiff, randomFeeds, runGather, runNode, runWeb } from './helpers.ts'
import { toyModel, type ToyOptions } from './toy-model.ts'
import { appErrorOf } from '../../support/errors.ts'

const base: ToyOptions = { vocab: 2000, hidden: 64, ffn: 128, layers: 4, labels: 3, shared: true, exportStyle: false, seed: 7 }
const albertLike = toyModel(base)
const exported = toyModel({ ...base, exportStyle: true })
const feeds = randomFeeds(32, 24, base.vocab, 1)
const opTypes = (model: Uint8Array): string[] => (readModel(model).graph?.node ?? []).map((n) => n.opType ?? '')

/**
 * Error bound for int8 under onnxruntime-web against fp32: int8 rounds each weight by at
 * most half a step of max|w|/127 and each activation by half a step of its range/255; with
 * LayerNorm re-scaling each layer, the relative error in logits stays at a few percent. The
 * toy's logits are O(1), so 0.15 absolute leaves headroom over what is observed while still
 * catching a wrong scale, a transposed weight or a dropped bias (those move logits by O(1)).
 */
const MAX_LOGIT_ERROR = 0.15

/**
 * Native and Wasm int8 on the same 7-bit weights: the same integer products on every CPU
 * (no product pair reaches the int16 limit). They still differ in their float code
 * (activation quantization, GELU, LayerNorm), where a value at a rounding edge moves one
 * activation by one step and the toy's random weights amplify it; saturation, which this
 * test exists to rule out, moves the logits several times further.
 */
const NATIVE_REDUCED_RANGE_ERROR = MAX_LOGIT_ERROR / 2

describe('quantizeModel', () => {
  const forms: MatMulForm[] = ['matmul-integer', 'dynamic-quantize-matmul', 'matmul-integer-to-float', 'fused']
  it.each(forms.flatMap((form) => [true, false].map((perChannel) => ({ form, perChannel }))))(
    'form $form (per-channel: $perChannel) agrees with fp32 under onnxruntime-web and runs under onnxruntime-node',
    async ({ form, perChannel }) => {
      const { model } = quantizeModel(albertLike, { form, perChannel })
      const fp32 = await runNode(albertLike, feeds)
      const int8 = await runWeb(model, feeds)
      expect(maxAbsDiff(fp32, int8)).toBeLessThan(MAX_LOGIT_ERROR)
      // A flipped label is only acceptable where fp32's top two are closer than the error allows.
      for (const [r, row] of fp32.entries()) {
        const q = int8[r] ?? []
        if (argmax(row) === argmax(q)) continue
        const sorted = [...row].sort((a, b) => b - a)
        expect((sorted[0] ?? 0) - (sorted[1] ?? 0)).toBeLessThan(2 * MAX_LOGIT_ERROR)
      }
      expect(fp32.filter((row, r) => argmax(row) === argmax(int8[r] ?? [])).length / fp32.length).toBeGreaterThanOrEqual(0.9)
      expectRunsNatively(await runNode(model, feeds), fp32.length, base.labels)
    },
  )

  it('with 7-bit weights (reduceRange), native int8 computes what onnxruntime-web does on every CPU', async () => {
    const { model, report } = quantizeModel(albertLike, { reduceRange: true })
    expect(report.reduce_range).toBe(true)
    const initializers = readModel(model).graph?.initializer ?? []
    const int8Weights = initializers.filter((t) => t.dataType === 3 && !(t.name ?? '').includes('embeddings')) // INT8 GEMM weights
    expect(int8Weights.length).toBeGreaterThan(0)
    for (const t of int8Weights) {
      const q = new Int8Array(t.rawData?.buffer ?? new ArrayBuffer(0), t.rawData?.byteOffset ?? 0, t.rawData?.byteLength ?? 0)
      expect(q.length).toBeGreaterThan(0)
      expect(Math.max(...Array.from(q, Math.abs))).toBe(63)
    }
    const fp32 = await runNode(albertLike, feeds)
    const web = await runWeb(model, feeds)
    expect(maxAbsDiff(fp32, web)).toBeLessThan(MAX_LOGIT_ERROR)
    expect(maxAbsDiff(await runNode(model, feeds), web)).toBeLessThan(NATIVE_REDUCED_RANGE_ERROR)
  })

  it('emits the ops of each form', () => {
    expect(opTypes(quantizeModel(albertLike, { form: 'matmul-integer' }).model)).toContain('MatMulInteger')
    expect(opTypes(quantizeModel(albertLike, { form: 'dynamic-quantize-matmul' }).model)).toContain('DynamicQuantizeMatMul')
    const fused = opTypes(quantizeModel(albertLike, { form: 'matmul-integer-to-float' }).model)
    expect(fused).toContain('MatMulIntegerToFloat')
    // Q, K and V read one tensor: one DynamicQuantizeLinear serves all three, and the bias Add is fused.
    const count = (op: string): number => fused.filter((t) => t === op).length
    expect(count('MatMulIntegerToFloat')).toBe(6 * base.layers + 1) // + the classifier
    expect(count('DynamicQuantizeLinear')).toBe(4 * base.layers + 1)
    const adds = opTypes(albertLike).filter((t) => t === 'Add').length
    expect(count('Add')).toBe(adds - 6 * base.layers) // each layer's six bias Adds live in the kernels now
    // Without the block fusions, 'fused' is ORT's level-all result: a shared quantization where Q, K and V share an input.
    const plain = opTypes(quantizeModel(albertLike, { fuseAttention: false, fuseSkipLayerNorm: false }).model)
    const plainCount = (op: string): number => plain.filter((t) => t === op).length
    expect(plainCount('MatMulIntegerToFloat')).toBe(3 * base.layers)
    expect(plainCount('DynamicQuantizeLinear')).toBe(base.layers)
    expect(plainCount('DynamicQuantizeMatMul')).toBe(3 * base.layers + 1)
    // The default: each attention block is one QAttention (its own input quantization, the mask cast once),
    // each residual Add + LayerNorm one SkipLayerNormalization, DynamicQuantizeMatMul for the other weights.
    const auto = opTypes(quantizeModel(albertLike).model)
    const autoCount = (op: string): number => auto.filter((t) => t === op).length
    expect(autoCount('QAttention')).toBe(base.layers)
    expect(autoCount('DynamicQuantizeLinear')).toBe(base.layers)
    expect(autoCount('DynamicQuantizeMatMul')).toBe(3 * base.layers + 1)
    expect(autoCount('SkipLayerNormalization')).toBe(2 * base.layers)
    expect(autoCount('LayerNormalization')).toBe(1) // the embeddings' (word + type embeddings are not both hidden states)
    for (const gone of ['MatMulIntegerToFloat', 'MatMul', 'Softmax', 'Transpose', 'Unsqueeze']) expect(autoCount(gone)).toBe(0)
    expect(autoCount('Cast')).toBe(2) // the int32 mask, once; the int8 embedding rows
  })

  it('fused attention and LayerNorm compute what the unfused int8 graph does, padding masked', async () => {
    // Same int8 weights and input quantization either way, so only float summation order differs;
    // the feeds pad some rows, so a mask read the wrong way round or ignored moves logits by O(1).
    const { model, report } = quantizeModel(albertLike)
    expect(report.fused).toEqual({ attention: base.layers, skip_layer_norm: 2 * base.layers })
    const plain = quantizeModel(albertLike, { fuseAttention: false, fuseSkipLayerNorm: false }).model
    const [a, b] = [await runWeb(model, feeds), await runWeb(plain, feeds)]
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-3)
    // A different mask changes the fused model's answer (the mask input is really read).
    const unmasked = {
      ...feeds,
      attention_mask: {
        data: new BigInt64Array(feeds.attention_mask?.data.length ?? 0).fill(1n),
        dims: feeds.attention_mask?.dims ?? [0, 0],
      },
    }
    expect(maxAbsDiff(await runWeb(model, unmasked), a)).toBeGreaterThan(1e-2)
  })

  it('quantizes a shared layer once however many layers apply it', () => {
    const { model, report } = quantizeModel(albertLike)
    const layerWeights = report.quantized.filter((w) => w.name.startsWith('layer.0.'))
    expect(layerWeights).toHaveLength(6) // query, key, value, attention.dense, ffn, ffn_output
    for (const w of layerWeights) expect(w.uses).toBe(base.layers)
    const int8Tensors = (readModel(model).graph?.initializer ?? []).filter((t) => t.dataType === 3) // INT8
    expect(int8Tensors).toHaveLength(4 + 2) // Q, K and V in one QAttention matrix, dense, ffn, ffn_output + word embeddings + classifier
    // Twelve applications store what four do.
    const deeper = quantizeModel(toyModel({ ...base, layers: 12 })).report
    expect(deeper.bytes.int8_weights).toBe(report.bytes.int8_weights)
    expect(deeper.bytes.fp32_weights_after).toBe(report.bytes.fp32_weights_after)
  })

  it('is ~4x smaller than fp32 on the weights', () => {
    const { report } = quantizeModel(albertLike)
    const after = report.bytes.int8_weights + report.bytes.fp32_weights_after
    // per-row embedding scales and biases/LayerNorm stay fp32: a bit under 4x
    expect(report.bytes.fp32_weights_before / after).toBeGreaterThan(3.5)
    expect(report.bytes.input / report.bytes.output).toBeGreaterThan(3.3)
  })

  it('handles a torch-export graph: duplicated shared layers, weights behind Transpose, a Gemm head', async () => {
    const { model, report } = quantizeModel(exported)
    expect(report.deduplicated.length).toBeGreaterThan(0)
    expect(report.quantized.map((w) => w.kind)).toContain('gemm')
    // The twelve duplicated copies collapse into one quantized layer: same size as the converter dialect.
    const ours = quantizeModel(albertLike).model
    expect(Math.abs(model.length - ours.length)).toBeLessThan(0.05 * ours.length)
    // No weight Transpose survives, and attention (K's transpose included) is one QAttention per layer.
    expect(opTypes(model).filter((t) => t === 'Transpose')).toHaveLength(0)
    expect(opTypes(model).filter((t) => t === 'QAttention')).toHaveLength(base.layers)
    expect(maxAbsDiff(await runNode(exported, feeds), await runWeb(model, feeds))).toBeLessThan(MAX_LOGIT_ERROR)
  })

  it('leaves activation-by-activation MatMuls and small tables fp32, and reports them', () => {
    const { report, model } = quantizeModel(albertLike, { fuseAttention: false })
    const reasons = report.skipped.map((s) => `${s.op_type}: ${s.reason}`)
    expect(reasons.filter((r) => r === 'MatMul: weight is not an initializer')).toHaveLength(base.layers) // probs @ V
    expect(reasons.filter((r) => r === 'MatMul: weight Transpose is not a 2-D transpose')).toHaveLength(base.layers) // Q @ K^T
    expect(reasons.some((r) => r.startsWith('Gather: table of 128 elements'))).toBe(true)
    expect(opTypes(model).filter((t) => t === 'MatMul')).toHaveLength(2 * base.layers)
  })

  it('per-row embedding scales keep small-norm rows (rare tokens) accurate', async () => {
    // Rows whose norms span 100x, as trained word embeddings' do between frequent and rare tokens.
    const vocab = 512
    const width = 32
    const table = Float32Array.from(
      { length: vocab * width },
      (_, i) => Math.sin(i * 12.9898) * 10 ** ((-2 * Math.floor(i / width)) / vocab),
    )
    const gatherOnly = embeddingModel(table, vocab, width)
    const ids = { input_ids: { data: BigInt64Array.from({ length: vocab }, (_, i) => BigInt(i)), dims: [1, vocab] as [number, number] } }
    const relError = async (model: Uint8Array): Promise<number> => {
      const [fp32, int8] = [await runGather(gatherOnly, ids), await runGather(model, ids)]
      let worst = 0
      for (let r = 0; r < vocab; r++) {
        let err = 0
        let norm = 0
        for (let c = 0; c < width; c++) {
          const i = r * width + c
          err = Math.max(err, Math.abs((fp32[i] ?? 0) - (int8[i] ?? 0)))
          norm = Math.max(norm, Math.abs(fp32[i] ?? 0))
        }
        worst = Math.max(worst, err / norm)
      }
      return worst
    }
    const perRow = await relError(quantizeModel(gatherOnly, { embeddings: 'row' }).model)
    const perTensor = await relError(quantizeModel(gatherOnly, { embeddings: 'tensor' }).model)
    expect(perRow).toBeLessThan(0.5 / 127 + 1e-6) // half an int8 step of each row's own range
    expect(perTensor).toBeGreaterThan(10 * perRow) // a shared scale rounds the rare rows away
  })

  it('leaves a Gemm it cannot rewrite (transA=1) fp32, reports it, and the model still runs', async () => {
    const T = onnx.TensorProto.DataType
    const w = Float32Array.from({ length: 64 * 3 }, (_, i) => Math.cos(i))
    const graph = makeGraph(
      [makeNode('Gemm', ['x', 'w'], ['y'], { name: 'gemm_t', attributes: [attrInt('transA', 1)] })],
      'gemm',
      [makeValueInfo('x', T.FLOAT, [64, 2])],
      [makeValueInfo('y', T.FLOAT, [2, 3])],
      [makeTensor('w', w, [64, 3])],
    )
    const fp32 = writeModel(makeModel(graph))
    const { model, report } = quantizeModel(fp32)
    expect(report.skipped).toEqual([{ node: 'gemm_t', op_type: 'Gemm', reason: 'Gemm with transA=1' }])
    expect(report.quantized).toEqual([])
    const x = Float32Array.from({ length: 128 }, (_, i) => i / 128)
    const run = async (m: Uint8Array): Promise<number[]> => {
      const s = await ortNode.InferenceSession.create(m)
      const out = await s.run({ x: new ortNode.Tensor('float32', x, [64, 2]) })
      await s.release()
      return Array.from(out.y?.data as Float32Array)
    }
    expect(await run(model)).toEqual(await run(fp32))
  })

  it('rejects an invalid file, an old opset and an unsupported option with a clear error', () => {
    const err = appErrorOf
    expect(err(() => quantizeModel(new TextEncoder().encode('{"not": "onnx"}'))).kind).toBe('invalid_onnx')
    expect(err(() => quantizeModel(new Uint8Array(0))).message).toMatch(/no graph nodes/)
    const old = err(() => quantizeModel(toyModel({ ...base, opset: 10 })))
    expect(old.kind).toBe('unsupported_model')
    expect(old.message).toMatch(/opset 10.*opset 11/)
  })
})
