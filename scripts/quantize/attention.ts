/**
 * The attention pass: a BERT self-attention block written out in plain ops
 * (the converter's selfAttention, or a single-head 3-D variant) becomes one
 * com.microsoft QAttention: Q, K and V weights concatenated into one int8
 * [H, 3H] matrix, the input quantized once, the mask read as int32 [B, T].
 * onnxruntime-web's optimizer never builds this itself from an int8 graph
 * (its AttentionFusion wants fp32 MatMuls), and the unfused form spends
 * about a seventh of ELECTRA-small's WASM time in Reshape/Transpose/
 * MatMul/Softmax (bench/graph-forms.ts --profile).
 *
 * Matched, from each Softmax back and forward:
 *   lin(x) = Add(MatMul(x, W), b)                                  q, k, v
 *   q = Transpose[0,2,1,3](Reshape(lin_q, [0,0,nh,hs]))            or lin_q (one head)
 *   kT = Transpose[0,2,3,1](Reshape(lin_k, [0,0,nh,hs]))           or Transpose[0,2,1](lin_k)
 *   probs = Softmax(Add(Div(MatMul(q, kT), c) | Mul(.., c), mask))
 *   out = Reshape(Transpose[0,2,1,3](MatMul(probs, v)), [0,0,H])   or MatMul(probs, v)
 *   mask = Unsqueeze(Mul(Sub(1, Cast(attention_mask)), filter))
 * Anything else is left to the MatMul pass, unchanged.
 */
import { attrFloat, attrInt, floatValues, makeTensor, tensorToArray } from '../onnx/builder.ts'
import { onnx } from '../onnx/proto.ts'
import type { GraphIndex, QuantizedWeight } from './graph.ts'
import { quantizeInt8 } from './int8.ts'
import { resolveWeight, type Weight } from './matmul.ts'

type NodeProto = onnx.NodeProto
const DT = onnx.TensorProto.DataType
const MS = 'com.microsoft'

export interface AttentionOptions {
  /** one weight scale per output column of [H, 3H] (QAttention's per-column mode) */
  perChannel: boolean
  /** the largest |q| of a weight (INT8_MAX, or INT7_MAX for 7-bit weights) */
  weightMax: number
}

/** One projection lin(x) = x @ W + b and the nodes that compute it. */
interface Projection {
  x: string
  weight: Weight
  bias: Float32Array
  biasName: string
  nodes: NodeProto[]
}

interface Match {
  x: string
  q: Projection
  k: Projection
  v: Projection
  heads: number
  scale: number
  filter: number
  /** graph input holding the [B, T] 1/0 mask */
  maskInput: string
  /** the tensor the block's result is written to */
  output: string
  nodes: NodeProto[]
}

const sameInts = (a: number | number[] | undefined, b: readonly number[]): boolean =>
  Array.isArray(a) && a.length === b.length && a.every((v, i) => v === b[i])

/** A scalar (or one-element) float initializer's value. */
function scalar(g: GraphIndex, name: string | undefined): number | undefined {
  const t = name === undefined ? undefined : g.initializers.get(name)
  if (t == null || t.dataType !== DT.FLOAT) return undefined
  const values = floatValues(t)
  return values.length === 1 ? values[0] : undefined
}

/** An int64 initializer's values as numbers. */
function ints(g: GraphIndex, name: string | undefined): number[] | undefined {
  const t = name === undefined ? undefined : g.initializers.get(name)
  if (t == null || t.dataType !== DT.INT64) return undefined
  return Array.from(tensorToArray(t) as BigInt64Array, Number)
}

/** The other input of a two-input node. */
const other = (node: NodeProto, name: string): string | undefined => (node.input[0] === name ? node.input[1] : node.input[0])

function projection(g: GraphIndex, t: string): Projection | undefined {
  const add = g.producer(t)
  if (add?.opType !== 'Add') return undefined
  for (const mmOut of add.input) {
    const mm = g.producer(mmOut)
    const biasName = other(add, mmOut)
    const bias = biasName === undefined ? undefined : g.initializers.get(biasName)
    if (mm?.opType !== 'MatMul' || bias == null || bias.dataType !== DT.FLOAT || g.soleConsumer(mmOut) !== add) continue
    const [x, w] = mm.input
    if (x === undefined || w === undefined) continue
    const weight = resolveWeight(g, w, false)
    if (typeof weight === 'string') continue
    const b = floatValues(bias)
    if (b.length !== weight.n) continue
    return { x, weight, bias: b, biasName: bias.name, nodes: [mm, add] }
  }
  return undefined
}

/** q / v: Transpose[0,2,1,3](Reshape(lin, [0,0,nh,hs])) or lin itself; k: the same with perm [0,2,3,1] or Transpose[0,2,1](lin). */
function heads(g: GraphIndex, t: string, role: 'qv' | 'k'): { projection: Projection; heads: number; nodes: NodeProto[] } | undefined {
  const transpose = g.producer(t)
  const perm = transpose?.opType === 'Transpose' ? readPerm(transpose) : undefined
  if (transpose !== undefined && perm !== undefined && g.soleConsumer(t) !== undefined) {
    const src = transpose.input[0] ?? ''
    if (sameInts(perm, role === 'k' ? [0, 2, 3, 1] : [0, 2, 1, 3])) {
      const reshape = g.producer(src)
      const shape = ints(g, reshape?.input[1])
      if (reshape?.opType !== 'Reshape' || shape?.length !== 4 || shape[0] !== 0 || shape[1] !== 0 || g.soleConsumer(src) !== transpose) return undefined
      const p = projection(g, reshape.input[0] ?? '')
      const [, , nh = 0, hs = 0] = shape
      if (p === undefined || nh * hs !== p.weight.n || g.soleConsumer(reshape.input[0] ?? '') !== reshape) return undefined
      return { projection: p, heads: nh, nodes: [transpose, reshape] }
    }
    if (role === 'k' && sameInts(perm, [0, 2, 1])) {
      const p = projection(g, src)
      return p === undefined || g.soleConsumer(src) !== transpose ? undefined : { projection: p, heads: 1, nodes: [transpose] }
    }
    return undefined
  }
  if (role === 'k') return undefined
  const p = projection(g, t)
  return p === undefined ? undefined : { projection: p, heads: 1, nodes: [] }
}

function readPerm(node: NodeProto): number[] | undefined {
  const a = node.attribute.find((x) => x.name === 'perm')
  return a?.ints?.map(Number)
}

/** Unsqueeze(Mul(Sub(1, Cast(input)), filter)) -> the graph input and the filter value. */
function maskOf(g: GraphIndex, t: string, rank: number): { input: string; filter: number; nodes: NodeProto[] } | undefined {
  const unsqueeze = g.producer(t)
  if (unsqueeze?.opType !== 'Unsqueeze') return undefined
  const axes = ints(g, unsqueeze.input[1]) ?? readAxes(unsqueeze)
  if (!sameInts(axes, rank === 4 ? [1, 2] : [1])) return undefined
  const mul = g.producer(unsqueeze.input[0] ?? '')
  if (mul?.opType !== 'Mul') return undefined
  for (const subOut of mul.input) {
    const sub = g.producer(subOut)
    const filter = scalar(g, other(mul, subOut))
    if (sub?.opType !== 'Sub' || filter === undefined || filter > -1e4 || scalar(g, sub.input[0]) !== 1) continue
    const cast = g.producer(sub.input[1] ?? '')
    const input = cast?.input[0]
    if (cast?.opType !== 'Cast' || input === undefined || !g.graph.input.some((v) => v.name === input)) continue
    return { input, filter, nodes: [unsqueeze, mul, sub, cast] }
  }
  return undefined
}

function readAxes(node: NodeProto): number[] | undefined {
  return node.attribute.find((x) => x.name === 'axes')?.ints?.map(Number)
}

function match(g: GraphIndex, softmax: NodeProto): Match | undefined {
  const axis = softmax.attribute.find((a) => a.name === 'axis')
  const scoresAdd = g.producer(softmax.input[0] ?? '')
  const probs = softmax.output[0] ?? ''
  const context = g.soleConsumer(probs)
  if (scoresAdd?.opType !== 'Add' || context?.opType !== 'MatMul' || context.input[0] !== probs || g.soleConsumer(softmax.input[0] ?? '') !== softmax) return undefined
  for (const scaledName of scoresAdd.input) {
    const scaled = g.producer(scaledName)
    if ((scaled?.opType !== 'Div' && scaled?.opType !== 'Mul') || g.soleConsumer(scaledName) !== scoresAdd) continue
    const c = scalar(g, scaled.input[1])
    const qk = g.producer(scaled.input[0] ?? '')
    if (c === undefined || c === 0 || qk?.opType !== 'MatMul' || g.soleConsumer(scaled.input[0] ?? '') !== scaled) continue
    const q = heads(g, qk.input[0] ?? '', 'qv')
    const k = heads(g, qk.input[1] ?? '', 'k')
    const v = heads(g, context.input[1] ?? '', 'qv')
    if (q === undefined || k === undefined || v === undefined) continue
    const nh = q.heads
    const rank = nh === 1 && q.nodes.length === 0 ? 3 : 4
    if (k.heads !== nh || v.heads !== nh || (v.nodes.length === 0) !== (rank === 3)) continue
    if (axis !== undefined && Number(axis.i) !== -1 && Number(axis.i) !== rank - 1) continue
    const x = q.projection.x
    if (k.projection.x !== x || v.projection.x !== x) continue
    const H = q.projection.weight.n
    if (k.projection.weight.n !== H || v.projection.weight.n !== H || q.projection.weight.k !== k.projection.weight.k || q.projection.weight.k !== v.projection.weight.k) continue
    const mask = maskOf(g, other(scoresAdd, scaledName) ?? '', rank)
    if (mask === undefined) continue
    // Merge heads back: Reshape(Transpose[0,2,1,3](ctx), [0,0,H]), or ctx itself with one head.
    let output = context.output[0] ?? ''
    const tail: NodeProto[] = []
    if (rank === 4) {
      const t = g.soleConsumer(output)
      const r = t?.opType === 'Transpose' && sameInts(readPerm(t), [0, 2, 1, 3]) ? g.soleConsumer(t.output[0] ?? '') : undefined
      if (t === undefined || r?.opType !== 'Reshape' || !sameInts(ints(g, r.input[1]), [0, 0, H])) continue
      tail.push(t, r)
      output = r.output[0] ?? ''
    }
    return {
      x,
      q: q.projection,
      k: k.projection,
      v: v.projection,
      heads: nh,
      scale: scaled.opType === 'Div' ? 1 / c : c,
      filter: mask.filter,
      maskInput: mask.input,
      output,
      nodes: [...q.projection.nodes, ...k.projection.nodes, ...v.projection.nodes, ...q.nodes, ...k.nodes, ...v.nodes, qk, scaled, scoresAdd, softmax, context, ...tail],
    }
  }
  return undefined
}

/** [K, N] row-major blocks side by side: [K, N1 + N2 + ...]. */
function concatColumns(blocks: readonly Float32Array[], k: number, widths: readonly number[]): Float32Array {
  const n = widths.reduce((a, b) => a + b, 0)
  const out = new Float32Array(k * n)
  for (let r = 0; r < k; r++) {
    let offset = r * n
    blocks.forEach((block, i) => {
      const w = widths[i] ?? 0
      out.set(block.subarray(r * w, (r + 1) * w), offset)
      offset += w
    })
  }
  return out
}

/** Runs the pass over `g`; returns how many attention blocks became QAttention. */
export function fuseAttention(g: GraphIndex, options: AttentionOptions): number {
  const cache = new Map<string, { w: string; b: string; scale: string; records: QuantizedWeight[] }>()
  const maskCasts = new Map<string, string>()
  const replaced = new Map<NodeProto, NodeProto[]>()
  const removed = new Set<NodeProto>()
  for (const softmax of g.nodes.filter((n) => n.opType === 'Softmax')) {
    const m = match(g, softmax)
    if (m === undefined || m.nodes.some((n) => removed.has(n))) continue
    const { q, k, v } = m
    const key = [q, k, v].map((p) => `${p.weight.key}+${p.biasName}`).join('|')
    let ref = cache.get(key)
    if (ref === undefined) {
      const K = q.weight.k
      const H = q.weight.n
      const w = concatColumns([q.weight.values(), k.weight.values(), v.weight.values()], K, [H, H, H])
      const { q: wq, scales } = quantizeInt8(w, K, 3 * H, options.perChannel ? 'column' : 'tensor', options.weightMax)
      const base = q.weight.source.replace(/query\.weight$|query$/, 'qkv')
      ref = { w: g.fresh(`${base}_quantized`), b: g.fresh(`${base}_bias`), scale: g.fresh(`${base}_scale`), records: [] }
      g.addInitializer(makeTensor(ref.w, wq, [K, 3 * H]))
      g.addInitializer(makeTensor(ref.b, concatColumns([q.bias, k.bias, v.bias], 1, [H, H, H]), [3 * H]))
      g.addInitializer(makeTensor(ref.scale, scales, options.perChannel ? [3 * H] : []))
      ref.records = [q, k, v].map((p) => ({ name: p.weight.source, kind: 'attention', dims: [K, H], uses: 0 }))
      g.quantized.push(...ref.records)
      cache.set(key, ref)
    }
    for (const r of ref.records) r.uses++
    const emit: NodeProto[] = []
    let mask = maskCasts.get(m.maskInput)
    if (mask === undefined) {
      mask = g.fresh(`${m.maskInput}_int32`)
      emit.push(g.makeNode('Cast', [m.maskInput], [mask], `${m.maskInput}_Cast_int32`, [attrInt('to', DT.INT32)]))
      maskCasts.set(m.maskInput, mask)
    }
    const name = softmax.name || m.output
    const xq = { q: g.fresh(`${m.x}_quantized`), scale: g.fresh(`${m.x}_scale`), zp: g.fresh(`${m.x}_zero_point`) }
    emit.push(g.makeNode('DynamicQuantizeLinear', [m.x], [xq.q, xq.scale, xq.zp], `${name}_QuantizeLinear`))
    emit.push(
      g.makeNode('QAttention', [xq.q, ref.w, ref.b, xq.scale, ref.scale, mask, xq.zp], [m.output], `${name}_QAttention`, [
        attrInt('num_heads', m.heads),
        attrFloat('scale', m.scale),
        attrFloat('mask_filter_value', m.filter),
      ], MS),
    )
    // The new nodes take the place of the block's last node, where x and the mask are both computed.
    const last = m.nodes[m.nodes.length - 1]
    if (last !== undefined) replaced.set(last, emit)
    for (const n of m.nodes) removed.add(n)
  }
  if (replaced.size === 0) return 0
  g.nodes = g.nodes.flatMap((n) => replaced.get(n) ?? (removed.has(n) ? [] : [n]))
  g.reindex()
  g.removeDeadNodes()
  return replaced.size
}
