/**
 * DistilBERT and ERNIE converters, and the BERT-class shapes users bring
 * (TinyBERT's 12 heads of 26, MiniLM's 12 of 32), against the Float64
 * references of modeling_distilbert.py / modeling_ernie.py / modeling_bert.py.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configJson, generateCheckpoint, generateTensors, resolveConfig } from '../../../scripts/checkpoint/generate.ts'
import type { HfConfig } from '../../../scripts/convert/config.ts'
import { convertCheckpoint, convertWeights, parseHfConfig } from '../../../scripts/convert/index.ts'
import { CheckpointWeights } from '../../../scripts/convert/weights.ts'
import { readModel } from '../../../scripts/onnx/proto.ts'
import { type SafeTensor, type WritableTensor, writeSafetensors } from '../../../scripts/convert/safetensors.ts'
import { bertLogits } from '../../support/reference/bert.ts'
import { distilbertLogits } from '../../support/reference/distilbert.ts'
import { ernieLogits } from '../../support/reference/ernie.ts'
import type { RefInput, Tensors } from '../../support/reference/ops.ts'
import { BATCH, convertInMemory, itMatchesReference, maxAbsDiff, PARITY_TOL as TOL, runOnnx, tinyCheckpoint } from './helpers.ts'
import { AppError } from '../../../src/core/errors.ts'

type Reference = (tensors: Tensors, config: HfConfig, input: RefInput) => number[]
const LABELS = { 0: 'neg', 1: 'neutral', 2: 'pos' }

const graphInputs = (model: Uint8Array): string[] => (readModel(model).graph?.input ?? []).map((v) => v.name ?? '')
const epsilons = (model: Uint8Array): number[] =>
  (readModel(model).graph?.node ?? [])
    .filter((n) => n.opType === 'LayerNormalization')
    .map((n) => n.attribute?.find((a) => a.name === 'epsilon')?.f ?? Number.NaN)

const cases: { preset: string; reference: Reference; std?: number; inputs: string[] }[] = [
  { preset: 'distilbert-tiny', reference: distilbertLogits, std: 2 / Math.sqrt(32), inputs: ['input_ids', 'attention_mask'] },
  { preset: 'ernie-tiny', reference: ernieLogits, std: 2 / Math.sqrt(32), inputs: ['input_ids', 'attention_mask', 'token_type_ids'] },
  { preset: 'tinybert-4l-312', reference: bertLogits, inputs: ['input_ids', 'attention_mask', 'token_type_ids'] },
  { preset: 'minilm-l6-h384', reference: bertLogits, inputs: ['input_ids', 'attention_mask', 'token_type_ids'] },
]

describe.each(cases)('$preset fp32 ONNX vs Float64 reference', ({ preset, reference, std, inputs }) => {
  const { config, tensors, floats } = tinyCheckpoint({ preset, seed: 7, id2label: LABELS, ...(std === undefined ? {} : { std }) })
  const model = convertInMemory(config, tensors)

  it('takes the inputs the HF class reads', () => {
    expect(graphInputs(model)).toEqual(inputs)
  })

  itMatchesReference(model, (input) => reference(floats, config, input))
})

describe('DistilBERT', () => {
  const { config, tensors, floats } = tinyCheckpoint({ preset: 'distilbert-tiny', seed: 5, std: 2 / Math.sqrt(32) })

  it('reads DistilBertConfig names and fixes eps at 1e-12 whatever config.json says', () => {
    const parsed = parseHfConfig({
      architectures: ['DistilBertForSequenceClassification'],
      model_type: 'distilbert',
      dim: 64,
      n_layers: 3,
      n_heads: 4,
      hidden_dim: 96,
      activation: 'gelu',
      layer_norm_eps: 1e-5,
    })
    expect(parsed).toMatchObject({
      hidden_size: 64,
      num_hidden_layers: 3,
      num_attention_heads: 4,
      intermediate_size: 96,
      hidden_act: 'gelu',
      layer_norm_eps: 1e-12,
      vocab_size: 30522,
    })
    const model = convertInMemory(config, tensors)
    expect(new Set(epsilons(model))).toEqual(new Set([Math.fround(1e-12)]))
  })

  it('names DistilBertConfig fields in its errors', () => {
    const base = { architectures: ['DistilBertForSequenceClassification'], model_type: 'distilbert' }
    expect(() => parseHfConfig({ ...base, dim: 0 })).toThrow(/"dim" must be a positive number/)
    expect(() => parseHfConfig({ ...base, dim: 100, n_heads: 12 })).toThrow(/dim 100 is not a multiple of n_heads 12/)
  })

  it('writes config.json with DistilBertConfig field names only', () => {
    const json = JSON.parse(configJson(config)) as Record<string, unknown>
    expect(json).toMatchObject({ dim: 32, n_layers: 2, n_heads: 4, hidden_dim: 64, activation: 'gelu', model_type: 'distilbert' })
    for (const bertName of [
      'hidden_size',
      'num_hidden_layers',
      'num_attention_heads',
      'intermediate_size',
      'hidden_act',
      'layer_norm_eps',
      'type_vocab_size',
    ]) {
      expect(json).not.toHaveProperty(bertName)
    }
    expect(parseHfConfig(json)).toMatchObject({ hidden_size: 32, num_hidden_layers: 2 })
  })

  it('reads the FFN activation from config.activation (gelu and relu differ)', () => {
    const gelu = distilbertLogits(floats, config, BATCH[0] as RefInput)
    expect(maxAbsDiff([gelu], [distilbertLogits(floats, { ...config, hidden_act: 'relu' }, BATCH[0] as RefInput)])).toBeGreaterThan(
      10 * TOL,
    )
  })

  it('heads token 0 with pre_classifier -> ReLU -> classifier', () => {
    const nodes = readModel(convertInMemory(config, tensors)).graph?.node ?? []
    const relu = nodes.find((n) => n.opType === 'Relu')
    expect(relu?.input).toEqual(['/pre_classifier/Add_output_0'])
    expect(nodes.find((n) => n.name === '/classifier/MatMul')?.input?.[0]).toBe(relu?.output?.[0])
  })
})

describe('ERNIE', () => {
  it('adds task_type_embeddings row 0 and reads eps from the config', async () => {
    const { config, tensors, floats } = tinyCheckpoint({ preset: 'ernie-tiny', seed: 9, std: 2 / Math.sqrt(32) })
    expect(config).toMatchObject({ use_task_id: true, task_type_vocab_size: 16, layer_norm_eps: 1e-5 })
    const model = convertInMemory(config, tensors)
    expect(new Set(epsilons(model))).toEqual(new Set([Math.fround(1e-5)]))
    const actual = await runOnnx(model, BATCH)
    const withoutTask = BATCH.map((input) => ernieLogits(floats, { ...config, use_task_id: false }, input))
    expect(maxAbsDiff(actual, withoutTask)).toBeGreaterThan(100 * TOL)
  })

  it('converts ERNIE without task ids (ERNIE 1.0) to BERT plus the ernie prefix', async () => {
    const { config, tensors, floats } = tinyCheckpoint({
      preset: 'ernie-tiny',
      seed: 4,
      config: { use_task_id: false, layer_norm_eps: 1e-12 },
    })
    expect([...tensors.keys()].some((k) => k.includes('task_type'))).toBe(false)
    const actual = await runOnnx(convertInMemory(config, tensors), BATCH)
    expect(
      maxAbsDiff(
        actual,
        BATCH.map((input) => ernieLogits(floats, config, input)),
      ),
    ).toBeLessThan(TOL)
  })
})

describe('TinyBERT head size 26', () => {
  it('splits 312 into 12 heads of 26', () => {
    const config = resolveConfig({ preset: 'tinybert-4l-312' })
    const model = convertInMemory(
      config,
      new Map(Object.entries(generateTensors(config)).map(([n, t]) => [n, { dtype: 'F32', shape: t.shape, data: t.data }])),
    )
    const shapes = (readModel(model).graph?.initializer ?? []).filter((t) => t.name?.startsWith('/const/shape_0_0_12_')).map((t) => t.name)
    expect(shapes).toEqual(['/const/shape_0_0_12_26'])
  })
})

describe('checkpoint keys', () => {
  let root = ''
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'edge-classify-families-'))
  })
  afterAll(() => rm(root, { recursive: true, force: true }))

  const convertError = (config: HfConfig, tensors: Map<string, SafeTensor>): AppError => {
    try {
      convertWeights(config, new CheckpointWeights(tensors))
    } catch (e) {
      if (e instanceof AppError) return e
      throw e
    }
    throw new Error('conversion succeeded')
  }
  const buffer = (n: number): SafeTensor => ({ dtype: 'I64', shape: [1, n], data: new BigInt64Array(n) })

  it.each([
    ['distilbert-tiny', 'distilbert.embeddings.position_ids', 'vocab_projector.weight'],
    ['ernie-tiny', 'ernie.embeddings.position_ids', 'cls.predictions.bias'],
  ])('%s: accepts the %s buffer, refuses an unknown weight, lists a missing one', (preset, bufferName, unknown) => {
    const { config, tensors } = tinyCheckpoint({ preset, seed: 1 })
    // Older transformers saved position_ids (and ERNIE's token_type_ids): buffers, not weights.
    const withBuffers = new Map(tensors)
    withBuffers.set(bufferName, buffer(config.max_position_embeddings))
    if (preset === 'ernie-tiny') withBuffers.set('ernie.embeddings.token_type_ids', buffer(config.max_position_embeddings))
    expect(() => convertWeights(config, new CheckpointWeights(withBuffers))).not.toThrow()

    const broken = new Map(withBuffers)
    broken.set(unknown, { dtype: 'F32', shape: [4], data: new Float32Array(4) })
    const lin2 = [...broken.keys()].find((k) => k.endsWith('layer.1.ffn.lin2.bias') || k.endsWith('layer.1.output.dense.bias')) ?? ''
    broken.delete(lin2)
    const error = convertError(config, broken)
    expect(error.kind).toBe('checkpoint_mismatch')
    expect(error.message).toContain(`missing keys (1): ${lin2} [32]`)
    expect(error.message).toContain(`unexpected keys (1): ${unknown}`)
  })

  it('checks every shape (a task_type table of the wrong size)', () => {
    const { config, tensors } = tinyCheckpoint({ preset: 'ernie-tiny', seed: 1 })
    const error = convertError({ ...config, task_type_vocab_size: 3 }, tensors)
    expect(error.message).toContain('ernie.embeddings.task_type_embeddings.weight: checkpoint [16, 32], config needs [3, 32]')
  })

  it("the tokenizer's model_input_names decides whether a BERT graph takes token_type_ids", async () => {
    const dir = join(root, 'bert-no-types')
    const { config } = await generateCheckpoint({ preset: 'bert-tiny', seed: 2, outDir: dir })
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_input_names: ['input_ids', 'attention_mask'] }))
    const { onnx } = await convertCheckpoint(dir)
    expect(graphInputs(onnx)).toEqual(['input_ids', 'attention_mask'])
    // transformers then embeds token type 0 everywhere, also for the second segment of a pair.
    const { floats } = tinyCheckpoint({ preset: 'bert-tiny', seed: 2 })
    const zeros = BATCH.map((input) => ({ ...input, token_type_ids: input.token_type_ids.map(() => 0) }))
    expect(
      maxAbsDiff(
        await runOnnx(onnx, BATCH),
        zeros.map((input) => bertLogits(floats, config, input)),
      ),
    ).toBeLessThan(TOL)
  })

  it('reads a DistilBERT checkpoint folder from disk', async () => {
    const dir = join(root, 'distil')
    const { config } = await generateCheckpoint({ preset: 'distilbert-tiny', seed: 3, outDir: dir })
    const tensors: Record<string, WritableTensor> = generateTensors(config, { seed: 3 })
    await writeFile(join(dir, 'model.safetensors'), writeSafetensors(tensors))
    const result = await convertCheckpoint(dir)
    expect(result).toMatchObject({ architecture: 'distilbert', hf_architecture: 'DistilBertForSequenceClassification' })
  })
})
