/**
 * A graph that `publish` optimized (onnxruntime's `extended` level, saved into
 * it) is served without a second optimizer pass: the same logits as under the
 * full optimization, on the engine that serves it.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-web/wasm'
import { describe, expect, it } from 'vitest'
import { generateCheckpoint } from '../../../scripts/checkpoint/generate.ts'
import { convertCheckpoint } from '../../../scripts/convert/index.ts'
import { optimizeGraph } from '../../../scripts/onnx/optimize.ts'
import { quantizeModel } from '../../../scripts/quantize/index.ts'
import { DEFAULT_SESSION_OPTIONS, sessionOptionsFor, webSessionOptions } from '../../../src/core/inference/ort-options.ts'

ort.env.wasm.numThreads = 1
ort.env.logLevel = 'error'

async function logits(bytes: Uint8Array, level: 'extended' | undefined): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, webSessionOptions(sessionOptionsFor(level)))
  const [batch, seq] = [3, 40]
  const ids = BigInt64Array.from({ length: batch * seq }, (_, i) => BigInt(100 + ((i * 7919) % 20000)))
  // Rows of 40, 25 and 9 real tokens: a padded batch.
  const mask = BigInt64Array.from({ length: batch * seq }, (_, i) => (i % seq < [40, 25, 9][Math.floor(i / seq)]! ? 1n : 0n))
  const feeds: Record<string, ort.Tensor> = {}
  for (const name of session.inputNames) {
    feeds[name] = new ort.Tensor('int64', name === 'input_ids' ? ids : name === 'attention_mask' ? mask : new BigInt64Array(batch * seq), [
      batch,
      seq,
    ])
  }
  const out = await session.run(feeds)
  await session.release()
  return Object.values(out)[0]?.data as Float32Array
}

describe('sessionOptionsFor', () => {
  it('keeps the full optimization for graphs published without it', () => {
    expect(sessionOptionsFor(undefined)).toEqual(DEFAULT_SESSION_OPTIONS)
    expect(sessionOptionsFor('none')).toEqual(DEFAULT_SESSION_OPTIONS)
    expect(sessionOptionsFor('extended').graphOptimizationLevel).toBe('disabled')
  })

  it('gives pre-optimized graphs the same logits as the full optimization does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ort-options-'))
    try {
      for (const preset of ['electra-tiny', 'albert-tiny']) {
        await generateCheckpoint({ preset, seed: 21, outDir: join(dir, preset) })
        const served = await optimizeGraph(quantizeModel((await convertCheckpoint(join(dir, preset))).onnx).model)
        expect(Array.from(await logits(served, 'extended'))).toEqual(Array.from(await logits(served, undefined)))
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
