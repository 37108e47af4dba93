/**
 * The embedding pass: a Gather (axis 0) from a 2-D float table becomes a
 * Gather from an int8 table, a Cast to float and a Mul by the scale. With
 * per-row scales, the scale of each looked-up row is gathered alongside
 * (a [vocab, 1] table), so only the rows used are ever dequantized.
 * Word embeddings are most of ELECTRA-small's and ALBERT's bytes.
 */
import type { GraphIndex, QuantizedWeight } from './graph.ts'
import { quantizeInt8 } from './int8.ts'
import { attributeValue, attrInt, elementCount, floatValues, makeTensor, tensorDims } from '../onnx/builder.ts'
import { onnx } from '../onnx/proto.ts'

const DT = onnx.TensorProto.DataType

export interface GatherOptions {
  /** one scale per table row (token) or one for the whole table */
  granularity: 'row' | 'tensor'
  /** tables with fewer elements stay fp32 (token type embeddings: not worth the extra nodes) */
  minElements: number
}

/** Runs the pass over `g`, rewriting the node list in place. */
export function quantizeGathers(g: GraphIndex, options: GatherOptions): void {
  const cache = new Map<string, { q: string; scale: string; record: QuantizedWeight }>()
  const out: onnx.NodeProto[] = []
  for (const node of g.nodes) {
    const table = node.opType === 'Gather' ? node.input[0] : undefined
    const init = table === undefined ? undefined : g.initializers.get(table)
    if (init == null || table === undefined) {
      out.push(node)
      continue
    }
    const name = node.name || node.output[0] || 'Gather'
    const dims = tensorDims(init)
    const axis = (attributeValue(node, 'axis') as number | undefined) ?? 0
    const reason =
      init.dataType !== DT.FLOAT
        ? 'table is not float32'
        : dims.length !== 2
          ? `table has rank ${dims.length}, not 2`
          : axis !== 0
            ? `axis ${axis}, not 0`
            : elementCount(dims) < options.minElements
              ? `table of ${elementCount(dims)} elements is below the ${options.minElements}-element threshold`
              : undefined
    const [indices] = node.input.slice(1)
    const [y] = node.output
    if (reason !== undefined || indices === undefined || y === undefined) {
      g.skipped.push({ node: name, op_type: 'Gather', reason: reason ?? 'malformed node' })
      out.push(node)
      continue
    }
    const [rows = 0, cols = 0] = dims
    let ref = cache.get(table)
    if (ref === undefined) {
      const perRow = options.granularity === 'row'
      const { q, scales } = quantizeInt8(floatValues(init), rows, cols, perRow ? 'row' : 'tensor')
      const record: QuantizedWeight = { name: table, kind: 'gather', dims, uses: 0 }
      ref = { q: g.fresh(`${table}_quantized`), scale: g.fresh(`${table}_scale`), record }
      g.addInitializer(makeTensor(ref.q, q, dims))
      g.addInitializer(makeTensor(ref.scale, scales, perRow ? [rows, 1] : []))
      g.quantized.push(record)
      cache.set(table, ref)
    }
    ref.record.uses++
    const rowsQ = g.fresh(`${name}_quantized`)
    const rowsF = g.fresh(`${name}_cast`)
    out.push(g.makeNode('Gather', [ref.q, indices], [rowsQ], `${name}_quant`))
    out.push(g.makeNode('Cast', [rowsQ], [rowsF], `${name}_cast`, [attrInt('to', DT.FLOAT)]))
    let scale = ref.scale
    if (options.granularity === 'row') {
      scale = g.fresh(`${name}_row_scale`) // [..., 1]: broadcasts over the embedding width
      out.push(g.makeNode('Gather', [ref.scale, indices], [scale], `${name}_scale_gather`))
    }
    out.push(g.makeNode('Mul', [rowsF, scale], [y], `${name}_dequantize`))
  }
  g.nodes = out
  g.reindex()
}
