/**
 * The MatMul/Gemm pass: every MatMul or Gemm whose weight is a 2-D float
 * initializer (directly, or behind a 2-D Transpose as torch exports write it)
 * becomes an int8 weight with uint8 dynamically quantized activations.
 *
 * Graph forms (see bench/graph-forms.ts for the timings that chose the default):
 * - `matmul-integer`: DynamicQuantizeLinear + MatMulInteger + Cast + Mul per
 *   MatMul, the plain `quantize_dynamic` form (Transformers.js' q8 models).
 * - `dynamic-quantize-matmul`: com.microsoft DynamicQuantizeMatMul, which
 *   quantizes A itself and takes the bias.
 * - `matmul-integer-to-float`: one DynamicQuantizeLinear per activation,
 *   shared by every MatMul that reads it (Q, K and V), then
 *   com.microsoft MatMulIntegerToFloat with the bias fused.
 * - `fused`: what ORT's own optimizer makes of any of the above at level
 *   'all' (CSE + MatMulIntegerToFloat/DynamicQuantizeMatMul fusion), written
 *   out ahead of time: a shared DynamicQuantizeLinear + MatMulIntegerToFloat
 *   where two or more weight MatMuls read one activation (Q, K, V), a
 *   DynamicQuantizeMatMul where one does. Same kernels, less work at load.
 */
import type { GraphIndex, QuantizedWeight } from './graph.ts'
import { quantizeInt8, transpose } from './int8.ts'
import { attributeValue, attrInt, floatValues, makeTensor, tensorDims } from '../onnx/builder.ts'
import { onnx } from '../onnx/proto.ts'

type NodeProto = onnx.NodeProto
type TensorProto = onnx.TensorProto
const DT = onnx.TensorProto.DataType

export type MatMulForm = 'matmul-integer' | 'dynamic-quantize-matmul' | 'matmul-integer-to-float' | 'fused'

export interface MatMulOptions {
  form: MatMulForm
  /** one weight scale per output column ([N]); ORT >= 1.17's contrib kernels accept it too (older ones required a scalar) */
  perChannel: boolean
  /** reuse one DynamicQuantizeLinear for every MatMul reading the same activation (`matmul-integer` only; always on for `matmul-integer-to-float`) */
  shareInputQuant: boolean
  /** the largest |q| of a weight (INT8_MAX, or INT7_MAX for 7-bit weights) */
  weightMax: number
}

/** A weight as the MatMul sees it: [K, N] row-major, plus where it came from. */
export interface Weight {
  key: string
  source: string
  values: () => Float32Array
  k: number
  n: number
  /** a Transpose node that only fed this weight, removable once the weight is folded */
  transposeNode?: NodeProto
}

interface QuantizedRef {
  q: string
  scale: string
  record: QuantizedWeight
}

const MS = 'com.microsoft'

/** Resolves a MatMul's B to a float initializer, or says why it cannot. */
export function resolveWeight(g: GraphIndex, name: string, transB: boolean): Weight | string {
  let init = g.initializers.get(name)
  let transposed = transB
  let transposeNode: NodeProto | undefined
  if (init == null) {
    const producer = g.producer(name)
    if (producer?.opType !== 'Transpose') return 'weight is not an initializer'
    const perm = attributeValue(producer, 'perm')
    if (perm !== undefined && !(Array.isArray(perm) && perm[0] === 1 && perm[1] === 0)) return 'weight Transpose is not a 2-D transpose'
    const src = producer.input[0]
    init = src === undefined ? undefined : g.initializers.get(src)
    if (init == null) return 'weight is computed at run time'
    transposed = !transposed
    transposeNode = producer
  }
  return fromInitializer(init, transposed, transposeNode)
}

function fromInitializer(init: TensorProto, transposed: boolean, transposeNode: NodeProto | undefined): Weight | string {
  if (init.dataType !== DT.FLOAT) return `weight ${init.name} is not float32`
  const dims = tensorDims(init)
  if (dims.length !== 2) return `weight ${init.name} has rank ${dims.length}, not 2`
  const [rows = 0, cols = 0] = dims
  const weight: Weight = {
    key: transposed ? `${init.name}^T` : init.name,
    source: init.name,
    values: () => (transposed ? transpose(floatValues(init), rows, cols) : floatValues(init)),
    k: transposed ? cols : rows,
    n: transposed ? rows : cols,
  }
  if (transposeNode !== undefined) weight.transposeNode = transposeNode
  return weight
}

/** A 1-D float initializer of length n that an Add can hand to the fused kernel as bias. */
function biasOf(g: GraphIndex, add: NodeProto, matmulOut: string, n: number): string | undefined {
  if (add.opType !== 'Add' || add.input.length !== 2) return undefined
  const other = add.input[0] === matmulOut ? add.input[1] : add.input[0]
  const t = other === undefined ? undefined : g.initializers.get(other)
  if (t == null || t.dataType !== DT.FLOAT) return undefined
  const dims = tensorDims(t)
  return dims.length === 1 && dims[0] === n ? t.name : undefined
}

/** Runs the pass over `g`, rewriting the node list in place. */
export function quantizeMatMuls(g: GraphIndex, options: MatMulOptions, onProgress?: (msg: string) => void): void {
  const cache = new Map<string, QuantizedRef>()
  const inputQuant = new Map<string, { q: string; scale: string; zp: string }>()
  const removed = new Set<NodeProto>()
  const out: NodeProto[] = []
  const total = g.nodes.length
  let done = 0

  const weightRef = (w: Weight, kind: 'matmul' | 'gemm', alpha: number): QuantizedRef => {
    const key = alpha === 1 ? w.key : `${w.key}*${alpha}`
    const hit = cache.get(key)
    if (hit != null) {
      hit.record.uses++
      return hit
    }
    let values = w.values()
    if (alpha !== 1) values = values.map((v) => v * alpha)
    const { q, scales } = quantizeInt8(values, w.k, w.n, options.perChannel ? 'column' : 'tensor', options.weightMax)
    const base = w.key.replace('^T', '_T')
    const qName = g.fresh(`${base}_quantized`)
    const sName = g.fresh(`${base}_scale`)
    g.addInitializer(makeTensor(qName, q, [w.k, w.n]))
    g.addInitializer(makeTensor(sName, scales, options.perChannel ? [w.n] : []))
    const record: QuantizedWeight = { name: w.source, kind, dims: [w.k, w.n], uses: 1 }
    g.quantized.push(record)
    const ref = { q: qName, scale: sName, record }
    cache.set(key, ref)
    return ref
  }

  const quantizeInput = (x: string, nodeName: string, emit: NodeProto[]): { q: string; scale: string; zp: string } => {
    const shared = options.form === 'matmul-integer-to-float' || options.form === 'fused' || options.shareInputQuant
    const hit = shared ? inputQuant.get(x) : undefined
    if (hit != null) return hit
    const base = shared ? x : `${nodeName}_input`
    const r = { q: g.fresh(`${base}_quantized`), scale: g.fresh(`${base}_scale`), zp: g.fresh(`${base}_zero_point`) }
    emit.push(g.makeNode('DynamicQuantizeLinear', [x], [r.q, r.scale, r.zp], `${base}_QuantizeLinear`))
    if (shared) inputQuant.set(x, r)
    return r
  }

  /** How many weight MatMul/Gemm nodes read `x` as their A input (Q, K and V: 3). */
  const weightReaders = (x: string): number =>
    g
      .consumers(x)
      .filter(
        (n) =>
          (n.opType === 'MatMul' || n.opType === 'Gemm') &&
          n.input[0] === x &&
          typeof resolveWeight(g, n.input[1] ?? '', n.opType === 'Gemm' && attributeValue(n, 'transB') === 1) !== 'string',
      ).length

  for (const node of g.nodes) {
    if (++done % 200 === 0) onProgress?.(`quantize: MatMul pass ${done}/${total} nodes`)
    if (removed.has(node)) continue
    if (node.opType !== 'MatMul' && node.opType !== 'Gemm') {
      out.push(node)
      continue
    }
    const isGemm = node.opType === 'Gemm'
    const name = node.name || node.output[0] || node.opType
    const skip = (reason: string): void => {
      g.skipped.push({ node: name, op_type: node.opType, reason })
      out.push(node)
    }
    const [x, b, c] = node.input
    const y = node.output[0]
    if (x === undefined || b === undefined || y === undefined) {
      skip('malformed node')
      continue
    }
    if (isGemm && attributeValue(node, 'transA') === 1) {
      skip('Gemm with transA=1')
      continue
    }
    const weight = resolveWeight(g, b, isGemm && attributeValue(node, 'transB') === 1)
    if (typeof weight === 'string') {
      skip(weight)
      continue
    }
    const alpha = isGemm ? ((attributeValue(node, 'alpha') as number | undefined) ?? 1) : 1
    const beta = isGemm ? ((attributeValue(node, 'beta') as number | undefined) ?? 1) : 1

    // Bias: Gemm's C (1-D, scaled by beta), or a MatMul's sole consumer Add of a 1-D initializer.
    let bias: string | undefined
    let output = y
    let fusedAdd: NodeProto | undefined
    if (isGemm && c !== undefined && c !== '') {
      const t = g.initializers.get(c)
      const dims = t == null ? [] : tensorDims(t)
      const flat = dims.length === 1 ? dims[0] : dims.length === 2 && dims[0] === 1 ? dims[1] : undefined
      if (t == null || t.dataType !== DT.FLOAT || flat !== weight.n) {
        skip('Gemm bias C is not a float initializer of shape [N]')
        continue
      }
      bias = g.fresh(`${c}_bias`)
      g.addInitializer(
        makeTensor(
          bias,
          floatValues(t).map((v) => v * beta),
          [weight.n],
        ),
      )
    } else if (!isGemm && options.form !== 'matmul-integer') {
      const users = g.consumers(y)
      const add = users[0]
      if (users.length === 1 && add !== undefined && !g.isGraphOutput(y)) {
        bias = biasOf(g, add, y, weight.n)
        if (bias !== undefined) {
          fusedAdd = add
          output = add.output[0] ?? y
        }
      }
    }

    const w = weightRef(weight, isGemm ? 'gemm' : 'matmul', alpha)
    const emit: NodeProto[] = []
    const form =
      options.form === 'fused'
        ? inputQuant.has(x) || weightReaders(x) > 1
          ? 'matmul-integer-to-float'
          : 'dynamic-quantize-matmul'
        : options.form
    if (form === 'dynamic-quantize-matmul') {
      emit.push(g.makeNode('DynamicQuantizeMatMul', [x, w.q, w.scale, '', ...(bias ? [bias] : [])], [output], `${name}_quant`, [], MS))
    } else if (form === 'matmul-integer-to-float') {
      const a = quantizeInput(x, name, emit)
      emit.push(
        g.makeNode(
          'MatMulIntegerToFloat',
          [a.q, w.q, a.scale, w.scale, a.zp, '', ...(bias ? [bias] : [])],
          [output],
          `${name}_quant`,
          [],
          MS,
        ),
      )
    } else {
      const a = quantizeInput(x, name, emit)
      const int32 = g.fresh(`${name}_output_quantized`)
      const scale = g.fresh(`${name}_scales_mul`)
      const cast = g.fresh(`${name}_output_cast`)
      const mulOut = bias ? g.fresh(`${name}_output_scaled`) : output
      emit.push(g.makeNode('MatMulInteger', [a.q, w.q, a.zp], [int32], `${name}_quant`))
      emit.push(g.makeNode('Mul', [a.scale, w.scale], [scale], `${name}_scales_mul`))
      emit.push(g.makeNode('Cast', [int32], [cast], `${name}_cast`, [attrInt('to', DT.FLOAT)]))
      emit.push(g.makeNode('Mul', [cast, scale], [mulOut], `${name}_mul`))
      if (bias) emit.push(g.makeNode('Add', [mulOut, bias], [output], `${name}_bias_add`))
    }
    out.push(...emit)
    if (fusedAdd !== undefined) removed.add(fusedAdd)
    // The Transpose that fed a folded weight goes once nothing else reads it (checked after the pass).
  }
  g.nodes = out.filter((n) => !removed.has(n))
  g.reindex()
  removeDeadTransposes(g)
}

/** Drops 2-D weight Transposes whose outputs nobody reads after folding. */
function removeDeadTransposes(g: GraphIndex): void {
  let changed = true
  while (changed) {
    changed = false
    const keep = g.nodes.filter((n) => {
      const dead =
        n.opType === 'Transpose' &&
        g.initializers.has(n.input[0] ?? '') &&
        n.output.every((o) => g.consumers(o).length === 0 && !g.isGraphOutput(o))
      if (dead) changed = true
      return !dead
    })
    g.nodes = keep
    g.reindex()
  }
}
