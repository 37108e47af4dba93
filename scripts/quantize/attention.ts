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
 * and, in the layouts torch.onnx writes for optimum's BERT, DistilBERT and
 * ERNIE exports (those onnxruntime's transformers optimizer fuses,
 * fusion_attention.py):
 *   - view shapes computed at run time: Reshape(lin, Concat(B, T, nh, hs)),
 *     constants as Constant nodes;
 *   - kT = Transpose[0,1,3,2](Transpose[0,2,1,3](Reshape(lin_k, ..)));
 *   - the scale on q (DistilBERT: MatMul(Div(q, c), kT)) or on both sides
 *     (scaled_dot_product_attention: MatMul(Mul(q, s), Mul(kT, s)), s the
 *     square root of 1/sqrt(hs), computed from the shape);
 *   - mask = Mul(Sub(1, Cast(Unsqueeze(Unsqueeze(attention_mask)))), filter)
 *     (BERT eager), Where(Cast(i), filter, i) with
 *     i = Sub(1, Expand(Unsqueeze(Unsqueeze(attention_mask)))) (SDPA), or
 *     probs = Softmax(Where(Expand(Reshape(Equal(attention_mask, 0))), filter,
 *     scores)) (DistilBERT's masked_fill).
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

/** A constant tensor: an initializer, or the `value` of a Constant node (torch.onnx writes scalars so). */
function constant(g: GraphIndex, name: string | undefined): onnx.ITensorProto | undefined {
  if (name === undefined) return undefined
  const init = g.initializers.get(name)
  if (init != null) return init
  const node = g.producer(name)
  if (node?.opType !== 'Constant') return undefined
  return node.attribute.find((a) => a.name === 'value')?.t ?? undefined
}

/** A scalar (or one-element) float constant's value. */
function scalar(g: GraphIndex, name: string | undefined): number | undefined {
  const t = constant(g, name)
  if (t == null || t.dataType !== DT.FLOAT) return undefined
  const values = floatValues(t)
  return values.length === 1 ? values[0] : undefined
}

/** An int64 constant's values as numbers. */
function ints(g: GraphIndex, name: string | undefined): number[] | undefined {
  const t = constant(g, name)
  if (t == null || t.dataType !== DT.INT64) return undefined
  return Array.from(tensorToArray(t) as BigInt64Array, Number)
}

/**
 * The last `count` entries of a Reshape target of `rank` entries, when they
 * are constant: a constant shape, or a Concat of 1-element pieces (torch's
 * view(B, -1, nh, hs) with B and T read from the input's shape).
 */
function shapeTail(g: GraphIndex, name: string | undefined, rank: number, count: number): number[] | undefined {
  const fixed = ints(g, name)
  if (fixed !== undefined) return fixed.length === rank ? fixed.slice(rank - count) : undefined
  const concat = name === undefined ? undefined : g.producer(name)
  if (concat?.opType !== 'Concat' || concat.input.length !== rank) return undefined
  const tail = concat.input.slice(rank - count).map((piece) => ints(g, piece))
  if (tail.some((v) => v?.length !== 1)) return undefined
  return tail.map((v) => v?.[0] ?? 0)
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

/** Reshape(lin, [.., .., nh, hs]) read by `reader` alone -> the projection, nh and the Reshape. */
function splitHeads(
  g: GraphIndex,
  t: string,
  reader: NodeProto,
): { projection: Projection; heads: number; reshape: NodeProto } | undefined {
  const reshape = g.producer(t)
  if (reshape?.opType !== 'Reshape' || g.soleConsumer(t) !== reader) return undefined
  const [nh = 0, hs = 0] = shapeTail(g, reshape.input[1], 4, 2) ?? []
  const p = projection(g, reshape.input[0] ?? '')
  if (p === undefined || nh <= 0 || nh * hs !== p.weight.n || g.soleConsumer(reshape.input[0] ?? '') !== reshape) return undefined
  return { projection: p, heads: nh, reshape }
}

/**
 * q / v: Transpose[0,2,1,3](Reshape(lin, [.., .., nh, hs])) or lin itself; k: the same with perm [0,2,3,1],
 * Transpose[0,1,3,2] of the q form, or Transpose[0,2,1](lin).
 */
function heads(
  g: GraphIndex,
  t: string,
  role: 'qv' | 'k',
  alsoReadBy: ReadonlySet<NodeProto> = new Set(),
): { projection: Projection; heads: number; nodes: NodeProto[] } | undefined {
  const transpose = g.producer(t)
  const perm = transpose?.opType === 'Transpose' ? readPerm(transpose) : undefined
  if (
    transpose !== undefined &&
    perm !== undefined &&
    !g.isGraphOutput(t) &&
    g.consumers(t).filter((n) => !alsoReadBy.has(n)).length === 1
  ) {
    const src = transpose.input[0] ?? ''
    if (sameInts(perm, role === 'k' ? [0, 2, 3, 1] : [0, 2, 1, 3])) {
      const split = splitHeads(g, src, transpose)
      return split === undefined ? undefined : { projection: split.projection, heads: split.heads, nodes: [transpose, split.reshape] }
    }
    if (role === 'k' && sameInts(perm, [0, 1, 3, 2])) {
      const inner = heads(g, src, 'qv')
      return inner === undefined || inner.nodes.length === 0 || g.soleConsumer(src) !== transpose
        ? undefined
        : { ...inner, nodes: [transpose, ...inner.nodes] }
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

/** Ops that only reshape, broadcast or retype a mask on its way from the graph input. */
const MASK_PLUMBING = new Set(['Cast', 'Unsqueeze', 'Expand', 'Reshape'])

/** The graph input `t` is computed from through MASK_PLUMBING alone, if any. */
function maskInputOf(g: GraphIndex, t: string, nodes: NodeProto[]): string | undefined {
  for (let name = t; ;) {
    if (g.graph.input.some((v) => v.name === name)) return name
    const node = g.producer(name)
    if (node === undefined || !MASK_PLUMBING.has(node.opType)) return undefined
    nodes.push(node)
    name = node.input[0] ?? ''
  }
}

/** Sub(1, x) with x computed from a graph input: the inverted mask. */
function invertedMask(g: GraphIndex, t: string, nodes: NodeProto[]): string | undefined {
  const sub = g.producer(t)
  if (sub?.opType !== 'Sub' || scalar(g, sub.input[0]) !== 1) return undefined
  nodes.push(sub)
  return maskInputOf(g, sub.input[1] ?? '', nodes)
}

/**
 * The additive [B, 1, 1, T] mask of torch.onnx's BERT exports:
 * Mul(Sub(1, x), filter) (eager) or Where(Cast(i), filter, i) with i = Sub(1, x) (SDPA's masked_fill).
 */
function exportedMask(g: GraphIndex, t: string): { input: string; filter: number; nodes: NodeProto[] } | undefined {
  const node = g.producer(t)
  const nodes: NodeProto[] = node === undefined ? [] : [node]
  if (node?.opType === 'Mul') {
    for (const subOut of node.input) {
      const filter = scalar(g, other(node, subOut))
      const input = filter === undefined || filter > -1e4 ? undefined : invertedMask(g, subOut, nodes)
      if (filter !== undefined && input !== undefined) return { input, filter, nodes }
    }
  }
  if (node?.opType === 'Where') {
    const [cond = '', fill, inverted = ''] = node.input
    const filter = scalar(g, fill)
    const cast = g.producer(cond)
    if (filter === undefined || filter > -1e4 || cast?.opType !== 'Cast' || cast.input[0] !== inverted) return undefined
    nodes.push(cast)
    const input = invertedMask(g, inverted, nodes)
    return input === undefined ? undefined : { input, filter, nodes }
  }
  return undefined
}

/** DistilBERT's masked_fill: the condition Expand(Reshape(Equal(x, 0))) of Where(cond, filter, scores). */
function maskedFill(g: GraphIndex, where: NodeProto): { input: string; filter: number; nodes: NodeProto[] } | undefined {
  const filter = scalar(g, where.input[1])
  if (filter === undefined || filter > -1e4) return undefined
  const nodes: NodeProto[] = []
  let name = where.input[0] ?? ''
  for (let node = g.producer(name); node !== undefined && MASK_PLUMBING.has(node.opType); node = g.producer(name)) {
    nodes.push(node)
    name = node.input[0] ?? ''
  }
  const equal = g.producer(name)
  if (equal?.opType !== 'Equal') return undefined
  for (const x of equal.input) {
    const zero = constant(g, other(equal, x))
    const isZero = zero != null && Array.from(tensorToArray(zero), Number).every((v) => v === 0) && tensorToArray(zero).length === 1
    const input = isZero ? maskInputOf(g, x, nodes) : undefined
    if (input !== undefined) return { input, filter, nodes: [...nodes, equal] }
  }
  return undefined
}

/**
 * The nodes that compute scaled_dot_product_attention's sqrt(1/sqrt(hs)) from
 * Shape(q): Sqrt(Div(1, Sqrt(Cast(Slice(Shape(q)))))), read by nothing but
 * the chain and `muls`. They die with the block, so the Shape may read q.
 */
function sdpaScale(g: GraphIndex, sqrt: string, muls: readonly NodeProto[]): Set<NodeProto> | undefined {
  const chain = new Set<NodeProto>()
  for (let name = sqrt; ;) {
    const node = g.producer(name)
    if (node === undefined || !['Sqrt', 'Div', 'Cast', 'Slice', 'Gather', 'Shape'].includes(node.opType)) return undefined
    chain.add(node)
    if (node.opType === 'Shape') break
    const computed = node.input.filter((i) => i !== '' && constant(g, i) === undefined)
    if (computed.length !== 1) return undefined
    name = computed[0] ?? ''
  }
  const inside = (n: NodeProto): boolean => chain.has(n) || muls.includes(n)
  for (const node of chain) if (node.output.some((o) => g.isGraphOutput(o) || !g.consumers(o).every(inside))) return undefined
  return chain
}

/** A tensor scaled by a constant (Div or Mul) or by torch's SDPA square root (Mul by a Sqrt output), or the tensor itself. */
function unscaled(g: GraphIndex, t: string, reader: NodeProto): { x: string; factor: number | { sqrt: string }; nodes: NodeProto[] } {
  const node = g.producer(t)
  if ((node?.opType === 'Div' || node?.opType === 'Mul') && g.soleConsumer(t) === reader) {
    for (const x of node.opType === 'Div' ? [node.input[0] ?? ''] : node.input) {
      const by = other(node, x)
      const c = scalar(g, by)
      if (c !== undefined && c !== 0) return { x, factor: node.opType === 'Div' ? 1 / c : c, nodes: [node] }
      if (node.opType === 'Mul' && by !== undefined && g.producer(by)?.opType === 'Sqrt') return { x, factor: { sqrt: by }, nodes: [node] }
    }
  }
  return { x: t, factor: 1, nodes: [] }
}

function match(g: GraphIndex, softmax: NodeProto): Match | undefined {
  const axis = softmax.attribute.find((a) => a.name === 'axis')
  const scoresMasked = g.producer(softmax.input[0] ?? '')
  const probs = softmax.output[0] ?? ''
  const context = g.soleConsumer(probs)
  if (
    scoresMasked === undefined ||
    context?.opType !== 'MatMul' ||
    context.input[0] !== probs ||
    g.soleConsumer(softmax.input[0] ?? '') !== softmax
  )
    return undefined
  // (scores, mask) readings of the node before the Softmax: Add(scores, mask) either way round, or Where(cond, filter, scores).
  const readings: Array<{ scoresName: string; mask: () => ReturnType<typeof maskedFill> }> =
    scoresMasked.opType === 'Add'
      ? scoresMasked.input.map((scoresName) => ({ scoresName, mask: () => undefined }))
      : scoresMasked.opType === 'Where'
        ? [{ scoresName: scoresMasked.input[2] ?? '', mask: () => maskedFill(g, scoresMasked) }]
        : []
  for (const reading of readings) {
    const { scoresName } = reading
    // DistilBERT's expand_as(scores) also reads the scores' shape; that Shape dies with the mask.
    const fill = scoresMasked.opType === 'Where' ? reading.mask() : undefined
    const readers = g.consumers(scoresName).filter((n) => n !== scoresMasked)
    if (
      g.isGraphOutput(scoresName) ||
      !readers.every((n) => n.opType === 'Shape' && fill !== undefined && fill.nodes.includes(g.soleConsumer(n.output[0] ?? '') ?? n))
    )
      continue
    // Scale after q k^T (Div/Mul), or on q and/or kT before it.
    const after = unscaled(g, scoresName, scoresMasked)
    if (typeof after.factor !== 'number') continue
    const qk = g.producer(after.x)
    if (qk?.opType !== 'MatMul' || (after.nodes.length > 0 && g.soleConsumer(after.x) !== after.nodes[0])) continue
    const qSide = unscaled(g, qk.input[0] ?? '', qk)
    const kSide = unscaled(g, qk.input[1] ?? '', qk)
    const sqrtOf = (f: number | { sqrt: string }): string | undefined => (typeof f === 'number' ? undefined : f.sqrt)
    const sqrt = sqrtOf(qSide.factor)
    const chain = sqrt === undefined ? new Set<NodeProto>() : sdpaScale(g, sqrt, [...qSide.nodes, ...kSide.nodes])
    if (chain === undefined) continue
    const q = heads(g, qSide.x, 'qv', chain)
    const k = heads(g, kSide.x, 'k', chain)
    const v = heads(g, context.input[1] ?? '', 'qv')
    if (q === undefined || k === undefined || v === undefined) continue
    const nh = q.heads
    const rank = nh === 1 && q.nodes.length === 0 ? 3 : 4
    if (k.heads !== nh || v.heads !== nh || (v.nodes.length === 0) !== (rank === 3)) continue
    if (axis !== undefined && Number(axis.i) !== -1 && Number(axis.i) !== rank - 1) continue
    const x = q.projection.x
    if (k.projection.x !== x || v.projection.x !== x) continue
    const H = q.projection.weight.n
    if (
      k.projection.weight.n !== H ||
      v.projection.weight.n !== H ||
      q.projection.weight.k !== k.projection.weight.k ||
      q.projection.weight.k !== v.projection.weight.k
    )
      continue
    let scale = after.factor
    const sides = [qSide.factor, kSide.factor]
    if (sides.every((f) => typeof f === 'number')) scale *= (sides[0] as number) * (sides[1] as number)
    // scaled_dot_product_attention's default scale, split as a square root onto q and kT.
    else if (sqrt !== undefined && sqrtOf(kSide.factor) === sqrt) scale *= 1 / Math.sqrt(H / nh)
    else continue
    const maskName = scoresMasked.opType === 'Add' ? (other(scoresMasked, scoresName) ?? '') : ''
    const mask =
      scoresMasked.opType === 'Where' ? fill : (maskOf(g, maskName, rank) ?? (rank === 4 ? exportedMask(g, maskName) : undefined))
    if (mask === undefined) continue
    // Merge heads back: Reshape(Transpose[0,2,1,3](ctx), [.., .., H]), or ctx itself with one head.
    let output = context.output[0] ?? ''
    const tail: NodeProto[] = []
    if (rank === 4) {
      const t = g.soleConsumer(output)
      const r = t?.opType === 'Transpose' && sameInts(readPerm(t), [0, 2, 1, 3]) ? g.soleConsumer(t.output[0] ?? '') : undefined
      if (t === undefined || r?.opType !== 'Reshape' || !sameInts(shapeTail(g, r.input[1], 3, 1), [H])) continue
      tail.push(t, r)
      output = r.output[0] ?? ''
    }
    return {
      x,
      q: q.projection,
      k: k.projection,
      v: v.projection,
      heads: nh,
      scale,
      filter: mask.filter,
      maskInput: mask.input,
      output,
      nodes: [
        ...q.projection.nodes,
        ...k.projection.nodes,
        ...v.projection.nodes,
        ...q.nodes,
        ...k.nodes,
        ...v.nodes,
        ...qSide.nodes,
        ...kSide.nodes,
        qk,
        ...after.nodes,
        scoresMasked,
        softmax,
        context,
        ...tail,
      ],
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
      g.makeNode(
        'QAttention',
        [xq.q, ref.w, ref.b, xq.scale, ref.scale, mask, xq.zp],
        [m.output],
        `${name}_QAttention`,
        [attrInt('num_heads', m.heads), attrFloat('scale', m.scale), attrFloat('mask_filter_value', m.filter)],
        MS,
      ),
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
