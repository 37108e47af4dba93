/**
 * A mutable index over an ONNX graph shared by the quantization passes:
 * initializers by name, consumers by tensor name, fresh names, and the report
 * the passes fill in.
 */
import { makeNode } from '../onnx/builder.ts'
import type { onnx } from '../onnx/proto.ts'

type NodeProto = onnx.NodeProto
type TensorProto = onnx.TensorProto

/** One initializer a pass replaced by its int8 form (counted once, however many nodes use it). */
export interface QuantizedWeight {
  name: string
  kind: 'matmul' | 'gemm' | 'gather' | 'attention'
  dims: number[]
  /** nodes that read the quantized copy */
  uses: number
}

/** A node left in fp32, and why (an unsupported pattern is never rewritten half-way). */
export interface SkippedNode {
  node: string
  op_type: string
  reason: string
}

export class GraphIndex {
  readonly graph: onnx.GraphProto
  readonly initializers = new Map<string, TensorProto>()
  readonly quantized: QuantizedWeight[] = []
  readonly skipped: SkippedNode[] = []
  /** contrib ops need the com.microsoft opset import */
  usesContribOps = false
  private consumerMap = new Map<string, NodeProto[]>()
  private producerMap = new Map<string, NodeProto>()
  private names = new Set<string>()

  constructor(graph: onnx.GraphProto) {
    this.graph = graph
    for (const t of this.tensors) this.initializers.set(t.name, t)
    this.reindex()
  }

  // Decoded messages are protobufjs class instances (every repeated field is an
  // array), so the graph's lists are typed as the classes, not the I-interfaces.
  get nodes(): NodeProto[] {
    return this.graph.node as NodeProto[]
  }

  set nodes(list: NodeProto[]) {
    this.graph.node = list
  }

  get tensors(): TensorProto[] {
    return this.graph.initializer as TensorProto[]
  }

  /** Rebuilds consumers and the set of used names after a pass rewrote the node list. */
  reindex(): void {
    this.consumerMap.clear()
    this.producerMap.clear()
    this.names = new Set([
      ...this.initializers.keys(),
      ...this.graph.input.map((v) => v.name ?? ''),
      ...this.graph.output.map((v) => v.name ?? ''),
    ])
    for (const node of this.nodes) {
      this.names.add(node.name)
      for (const name of node.input) {
        if (name === '') continue
        const list = this.consumerMap.get(name)
        if (list == null) this.consumerMap.set(name, [node])
        else list.push(node)
      }
      for (const name of node.output) {
        this.names.add(name)
        this.producerMap.set(name, node)
      }
    }
  }

  consumers(tensor: string): readonly NodeProto[] {
    return this.consumerMap.get(tensor) ?? []
  }

  isGraphOutput(tensor: string): boolean {
    return this.graph.output.some((v) => v.name === tensor)
  }

  producer(tensor: string): NodeProto | undefined {
    return this.producerMap.get(tensor)
  }

  /** The node that alone reads `tensor` (and `tensor` is no graph output), else undefined. */
  soleConsumer(tensor: string): NodeProto | undefined {
    const users = this.consumers(tensor)
    return users.length === 1 && !this.isGraphOutput(tensor) ? users[0] : undefined
  }

  /** Drops nodes none of whose outputs is read or a graph output, until none is left (a pass's orphaned chains). */
  removeDeadNodes(): void {
    for (let changed = true; changed;) {
      const before = this.nodes.length
      this.nodes = this.nodes.filter((n) => n.output.some((o) => o !== '' && (this.consumers(o).length > 0 || this.isGraphOutput(o))))
      changed = this.nodes.length !== before
      this.reindex()
    }
  }

  /** A name not yet used in the graph, derived from `base`. */
  fresh(base: string): string {
    let name = base
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`
    this.names.add(name)
    return name
  }

  /** A node named fresh from `base`; a non-default `domain` marks the model as needing that opset. */
  makeNode(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    base: string,
    attributes: readonly onnx.IAttributeProto[] = [],
    domain = '',
  ): NodeProto {
    if (domain !== '') this.usesContribOps = true
    return makeNode(opType, inputs, outputs, { name: this.fresh(base), attributes, domain })
  }

  addInitializer(t: TensorProto): void {
    this.initializers.set(t.name, t)
    this.graph.initializer.push(t)
    this.names.add(t.name)
  }

  /** Drops initializers, value_info and graph inputs that no node reads any more. */
  prune(): void {
    const used = new Set<string>(this.graph.output.map((v) => v.name ?? ''))
    const visit = (g: onnx.IGraphProto): void => {
      for (const node of g.node ?? []) {
        for (const name of node.input ?? []) used.add(name)
        for (const a of node.attribute ?? []) {
          if (a.g != null) visit(a.g)
          for (const sub of a.graphs ?? []) visit(sub)
        }
      }
    }
    visit(this.graph)
    this.graph.initializer = this.tensors.filter((t) => used.has(t.name))
    this.initializers.clear()
    for (const t of this.tensors) this.initializers.set(t.name, t)
    const produced = new Set(this.nodes.flatMap((n) => n.output))
    this.graph.valueInfo = this.graph.valueInfo.filter((v) => produced.has(v.name ?? ''))
  }
}
