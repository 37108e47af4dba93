/**
 * The starter graphs that the Worker runs while an isolate starts
 * (src/ort/ort.ts startBackend) must hold the kernels the served graphs
 * use, or the first request compiles them after all.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-web/wasm'
import { describe, expect, it } from 'vitest'
import { generateCheckpoint } from '../../../scripts/checkpoint/generate.ts'
import { convertCheckpoint } from '../../../scripts/convert/index.ts'
import { readModel } from '../../../scripts/onnx/proto.ts'
import { optimizeGraph } from '../../../scripts/onnx/optimize.ts'
import { quantizeModel } from '../../../scripts/quantize/index.ts'
import { DEFAULT_SESSION_OPTIONS, webSessionOptions } from '../../../src/core/inference/ort-options.ts'
import { STARTER_MODELS, STARTER_VOCAB } from '../../../src/core/inference/starter-models.ts'

ort.env.wasm.numThreads = 1
ort.env.logLevel = 'error'

const starters = STARTER_MODELS.map((b64) => new Uint8Array(Buffer.from(b64, 'base64')))

/** Operators that carry a kernel of their own (shape plumbing such as Shape, Slice or Range aside). */
const KERNEL_OPS = /^(com\.microsoft:|:(DynamicQuantizeLinear|LayerNormalization|Gather|Tanh|Add|Mul)$)/
const kernelOps = (bytes: Uint8Array): Set<string> =>
  new Set((readModel(bytes).graph?.node ?? []).map((n) => `${n.domain ?? ''}:${n.opType ?? ''}`).filter((op) => KERNEL_OPS.test(op)))

describe('starter graphs', () => {
  it('load and run under onnxruntime-web with ids below STARTER_VOCAB', async () => {
    expect(starters).toHaveLength(2)
    for (const bytes of starters) {
      const session = await ort.InferenceSession.create(bytes, webSessionOptions(DEFAULT_SESSION_OPTIONS))
      const n = 2 * 64
      const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(i % STARTER_VOCAB))
      const feeds: Record<string, ort.Tensor> = {}
      for (const name of session.inputNames) {
        feeds[name] = new ort.Tensor(
          'int64',
          name === 'input_ids' ? ids : name === 'attention_mask' ? new BigInt64Array(n).fill(1n) : new BigInt64Array(n),
          [2, 64],
        )
      }
      const out = await session.run(feeds)
      expect(Object.values(out)[0]?.dims[0]).toBe(2)
      await session.release()
    }
  })

  it('hold every kernel of the graphs the pipeline publishes (else: node scripts/onnx/starter-models.ts)', async () => {
    const held = new Set(starters.flatMap((b) => [...kernelOps(b)]))
    const dir = await mkdtemp(join(tmpdir(), 'starter-'))
    try {
      for (const preset of ['electra-tiny', 'albert-tiny']) {
        await generateCheckpoint({ preset, seed: 3, outDir: join(dir, preset) })
        const served = await optimizeGraph(quantizeModel((await convertCheckpoint(join(dir, preset))).onnx).model)
        for (const op of kernelOps(served)) expect(held, `${preset} uses ${op}`).toContain(op)
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
