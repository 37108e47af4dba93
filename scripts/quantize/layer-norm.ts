/**
 * The residual pass: Add(a, b) -> LayerNormalization over the last axis, where
 * a and b are both hidden states [B, T, H] (outputs of the quantized linear
 * layers, attention or an earlier LayerNorm), becomes one com.microsoft
 * SkipLayerNormalization. onnxruntime-web's optimizer leaves this pair apart
 * on our graphs; the fused kernel reads the two inputs once instead of
 * writing and re-reading their sum.
 */
import { attrFloat, attributeValue } from '../onnx/builder.ts'
import type { onnx } from '../onnx/proto.ts'
import type { GraphIndex } from './graph.ts'

const MS = 'com.microsoft'

/** Ops whose output is a full [B, T, H] hidden state here (never a broadcast operand such as position embeddings). */
const HIDDEN_STATE_OPS = new Set([
  'LayerNormalization',
  'SkipLayerNormalization',
  'DynamicQuantizeMatMul',
  'MatMulIntegerToFloat',
  'QAttention',
])

/** Runs the pass over `g`; returns how many Add + LayerNormalization pairs it fused. */
export function fuseSkipLayerNorm(g: GraphIndex): number {
  const replaced = new Map<onnx.NodeProto, onnx.NodeProto>()
  const removed = new Set<onnx.NodeProto>()
  for (const ln of g.nodes) {
    if (ln.opType !== 'LayerNormalization' || (ln.domain ?? '') !== '' || ln.output.length !== 1) continue
    const axis = attributeValue(ln, 'axis') ?? -1
    const [sum, gamma, beta] = ln.input
    const add = g.producer(sum ?? '')
    if (axis !== -1 || add?.opType !== 'Add' || g.soleConsumer(sum ?? '') !== ln || gamma === undefined || !g.initializers.has(gamma))
      continue
    const [a, b] = add.input
    const hidden = (t: string | undefined): boolean => t !== undefined && HIDDEN_STATE_OPS.has(g.producer(t)?.opType ?? '')
    if (!hidden(a) || !hidden(b) || a === undefined || b === undefined) continue
    const epsilon = attributeValue(ln, 'epsilon') ?? 1e-5
    const inputs = beta === undefined || beta === '' ? [a, b, gamma] : [a, b, gamma, beta]
    replaced.set(
      ln,
      g.makeNode(
        'SkipLayerNormalization',
        inputs,
        [...ln.output],
        `${ln.name || 'LayerNorm'}_skip`,
        [attrFloat('epsilon', epsilon as number)],
        MS,
      ),
    )
    removed.add(add)
  }
  if (replaced.size === 0) return 0
  g.nodes = g.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n)
  g.reindex()
  return replaced.size
}
