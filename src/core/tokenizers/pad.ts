import type { Int64Input } from '../inference/session.ts'
import type { Encoding } from './types.ts'

/**
 * Right-pads a batch to its longest encoding: the three [batch, sequence]
 * int64 inputs the ONNX graphs take (padding: pad_id / mask 0 / type 0).
 */
export function padBatch(
  encodings: Encoding[],
  pad_id: number,
): { input_ids: Int64Input; attention_mask: Int64Input; token_type_ids: Int64Input } {
  const batch = encodings.length
  const seq = encodings.reduce((n, e) => Math.max(n, e.ids.length), 0)
  const ids = new BigInt64Array(batch * seq).fill(BigInt(pad_id))
  const mask = new BigInt64Array(batch * seq)
  const types = new BigInt64Array(batch * seq)
  encodings.forEach((e, row) => {
    const base = row * seq
    for (let j = 0; j < e.ids.length; j++) {
      ids[base + j] = BigInt(e.ids[j] ?? pad_id)
      mask[base + j] = BigInt(e.attention_mask[j] ?? 0)
      types[base + j] = BigInt(e.token_type_ids[j] ?? 0)
    }
  })
  const dims: [number, number] = [batch, seq]
  return { input_ids: { data: ids, dims }, attention_mask: { data: mask, dims }, token_type_ids: { data: types, dims } }
}
