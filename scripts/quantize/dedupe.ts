/**
 * Merges initializers with identical type, shape and bytes. Torch's ONNX
 * exporter writes ALBERT's one shared layer as twelve transposed copies
 * (`onnx::MatMul_*`); without this, each copy would be quantized and stored
 * again, which is how ORT's Python quantizer inflates ALBERT-base (docs/memory.md).
 */
import { createHash } from 'node:crypto'
import type { GraphIndex } from './graph.ts'
import { tensorDims, tensorToArray } from '../onnx/builder.ts'
import type { onnx } from '../onnx/proto.ts'

/** The tensor's elements, or undefined for kinds never worth merging (strings, external data). */
function payload(t: onnx.TensorProto): ReturnType<typeof tensorToArray> | undefined {
  try {
    return tensorToArray(t)
  } catch {
    return undefined
  }
}

/** Returns the duplicates removed, each with the initializer kept in its place. */
export function dedupeInitializers(g: GraphIndex): Array<{ name: string; kept: string }> {
  const firstByKey = new Map<string, string>()
  const rename = new Map<string, string>()
  const outputs = new Set(g.graph.output.map((v) => v.name))
  for (const t of g.tensors) {
    if (outputs.has(t.name)) continue
    const values = payload(t)
    if (values === undefined) continue
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
    const key = `${t.dataType}|${tensorDims(t).join('x')}|${createHash('sha256').update(bytes).digest('hex')}`
    const kept = firstByKey.get(key)
    if (kept === undefined) firstByKey.set(key, t.name)
    else rename.set(t.name, kept)
  }
  if (rename.size === 0) return []
  const visit = (graph: onnx.IGraphProto): void => {
    for (const node of graph.node ?? []) {
      node.input = (node.input ?? []).map((name) => rename.get(name) ?? name)
      for (const a of node.attribute ?? []) {
        if (a.g != null) visit(a.g)
        for (const sub of a.graphs ?? []) visit(sub)
      }
    }
  }
  visit(g.graph)
  g.prune()
  g.reindex()
  return [...rename].map(([name, kept]) => ({ name, kept }))
}
