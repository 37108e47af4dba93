import type { ExternalRange } from '../../src/core/inference/external-data.ts'
import { onnx, readModel, writeModel } from './proto.ts'

export type { ExternalRange } from '../../src/core/inference/external-data.ts'

/** Options for {@link toExternalData}. */
export interface ExternalDataOptions {
  /** the file name the graph refers to (`location`), e.g. 'model.data' */
  location: string
  /** initializers smaller than this stay inside the graph; default 1024 bytes */
  minBytes?: number
  /** each range starts at a multiple of this; default 64 bytes */
  align?: number
}

/**
 * Moves a model's initializers into an ONNX external data file: each
 * initializer of `minBytes` or more gets `data_location: EXTERNAL` and
 * `location` / `offset` / `length` entries, in graph order (the order
 * onnxruntime reads them). Returns the graph, the file, and every range.
 */
export function toExternalData(
  model: Uint8Array,
  options: ExternalDataOptions,
): { graph: Uint8Array; data: Uint8Array; ranges: ExternalRange[] } {
  const proto = readModel(model)
  const minBytes = options.minBytes ?? 1024
  const align = options.align ?? 64
  const moved: Array<{ tensor: onnx.ITensorProto; raw: Uint8Array; offset: number }> = []
  let size = 0
  for (const tensor of proto.graph?.initializer ?? []) {
    if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)
      throw new Error(`initializer ${tensor.name ?? ''} is already external`)
    const raw = tensor.rawData
    if (raw == null || raw.byteLength < minBytes) continue
    size = Math.ceil(size / align) * align
    moved.push({ tensor, raw, offset: size })
    size += raw.byteLength
  }
  const data = new Uint8Array(size)
  const ranges: ExternalRange[] = []
  for (const { tensor, raw, offset } of moved) {
    data.set(raw, offset)
    ranges.push({ name: tensor.name ?? '', offset, length: raw.byteLength })
    tensor.externalData = [
      { key: 'location', value: options.location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.byteLength) },
    ]
    tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL
    tensor.rawData = new Uint8Array(0)
  }
  return { graph: writeModel(proto), data, ranges }
}
