import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../scripts/checkpoint/generate.ts'
import { convertCheckpoint } from '../../scripts/convert/index.ts'
import { openNodeSession } from '../../scripts/ort/node.ts'
import type { Encoded } from '../batches.ts'
import { makeBatch } from '../batches.ts'
import { mulberry32 } from '../../scripts/checkpoint/random.ts'
import { createModel } from '../model.ts'
import { predict, saveHfCheckpoint } from '../trainer.ts'
import { trainingScratch } from './scratch.ts'

/**
 * The trainer's tfjs model, exported to the HF layout, must be the model the
 * converter builds: same logits from onnxruntime-node on padded batches.
 */
const scratch = trainingScratch('train-export')

// Varied lengths so padding and the attention mask matter.
const random = mulberry32(3)
const items: Encoded[] = [5, 17, 9, 2, 12].map((n, i) => ({
  ids: Array.from({ length: n }, () => 1 + Math.floor(random() * 29000)),
  label: (i % 2) as 0 | 1,
}))

describe.each([
  ['electra-tiny', {}],
  ['albert-tiny', {}],
  ['albert-tiny', { num_hidden_layers: 4, num_hidden_groups: 2, inner_group_num: 1 }],
])('%s %j export', (preset, extra) => {
  it('converts to an fp32 ONNX graph that reproduces the trained model', async () => {
    // A wide init so a wrong op or a transposed weight moves the logits far.
    const config = resolveConfig({
      preset,
      id2label: { 0: 'ham', 1: 'spam' },
      config: { initializer_range: 0.3, max_position_embeddings: 32, ...extra },
    })
    const model = createModel(config, mulberry32(11))
    const expected = await predict(model, items, 0)
    const out = join(scratch(), `${preset}-${Object.keys(extra).length}`)
    await saveHfCheckpoint(out, model, 'F32')
    const { onnx } = await convertCheckpoint(out)
    const session = await openNodeSession(onnx)
    const batch = makeBatch(items, 0)
    const feed = (a: Int32Array) => ({ data: BigInt64Array.from(a, (v) => BigInt(v)), dims: [batch.batch, batch.seq] as [number, number] })
    const feeds = { input_ids: feed(batch.ids), attention_mask: feed(batch.mask), token_type_ids: feed(new Int32Array(batch.ids.length)) }
    const { data } = await session.run(feeds)
    await session.release()
    const spread = Math.max(...expected.flat().map(Math.abs))
    expect(spread).toBeGreaterThan(0.1)
    expected.forEach((row, b) =>
      row.forEach((v, j) => expect(Math.abs((data[b * 2 + j] ?? NaN) - v)).toBeLessThan(1e-4 * Math.max(1, spread))),
    )
  })
})
