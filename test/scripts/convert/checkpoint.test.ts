import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateCheckpoint, generateTensors, resolveConfig } from '../../../scripts/checkpoint/generate.ts'
import { convertCheckpoint, readHfConfig } from '../../../scripts/convert/index.ts'
import { onnx, readModel } from '../../../scripts/onnx/proto.ts'
import { loadSafetensors, type WritableTensor, writeSafetensors } from '../../../scripts/convert/safetensors.ts'
import { electraLogits } from '../../support/reference/electra.ts'
import { BATCH, maxAbsDiff, runOnnx } from './helpers.ts'
import { AppError } from '../../../src/core/errors.ts'

let root = ''
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'edge-classify-convert-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

/** Writes a checkpoint folder from a config object and tensors. */
async function writeCheckpoint(name: string, config: object, tensors: Record<string, WritableTensor>): Promise<string> {
  const dir = join(root, name)
  await generateCheckpoint({ preset: 'electra-tiny', outDir: dir }) // creates the folder
  await writeFile(join(dir, 'config.json'), JSON.stringify(config))
  await writeFile(join(dir, 'model.safetensors'), writeSafetensors(tensors))
  return dir
}

const convertError = async (dir: string): Promise<AppError> => {
  try {
    await convertCheckpoint(dir)
  } catch (e) {
    if (e instanceof AppError) return e
    throw e
  }
  throw new Error('conversion succeeded')
}

describe('generateCheckpoint', () => {
  it('writes HF field and parameter names, deterministically per seed', async () => {
    const a = await generateCheckpoint({ preset: 'electra-tiny', seed: 5, outDir: join(root, 'a'), id2label: { 0: 'neg', 1: 'pos' } })
    const b = await generateCheckpoint({ preset: 'electra-tiny', seed: 5, outDir: join(root, 'b'), id2label: { 0: 'neg', 1: 'pos' } })
    const c = await generateCheckpoint({ preset: 'electra-tiny', seed: 6, outDir: join(root, 'c') })
    const bytes = async (dir: string) => readFile(join(dir, 'model.safetensors'))
    expect((await bytes(a.dir)).equals(await bytes(b.dir))).toBe(true)
    expect((await bytes(a.dir)).equals(await bytes(c.dir))).toBe(false)
    const json = JSON.parse(await readFile(join(a.dir, 'config.json'), 'utf8')) as Record<string, unknown>
    expect(json).toMatchObject({
      architectures: ['ElectraForSequenceClassification'],
      model_type: 'electra',
      embedding_size: 16,
      hidden_size: 32,
      hidden_act: 'gelu',
      id2label: { 0: 'neg', 1: 'pos' },
      label2id: { neg: 0, pos: 1 },
      layer_norm_eps: 1e-12,
    })
    const { tensors } = await loadSafetensors(join(a.dir, 'model.safetensors'))
    expect(tensors.get('electra.embeddings_project.weight')?.shape).toEqual([32, 16])
    expect(tensors.get('electra.encoder.layer.1.attention.self.query.weight')?.shape).toEqual([32, 32])
    expect(tensors.get('classifier.out_proj.weight')?.shape).toEqual([2, 32])
    // LayerNorm gammas are not all ones, so a dropped scale would show.
    const gamma = Array.from<number | bigint>(tensors.get('electra.embeddings.LayerNorm.weight')?.data ?? []).map(Number)
    expect(Math.max(...gamma) - Math.min(...gamma)).toBeGreaterThan(0.2)
  })
})

describe('convertCheckpoint', () => {
  it('converts a folder to an opset-17 graph with the I/O convention and HF initializer names', async () => {
    const { dir, config } = await generateCheckpoint({ preset: 'albert-tiny', seed: 2, outDir: join(root, 'albert') })
    const progress: string[] = []
    const result = await convertCheckpoint(dir, { onProgress: (m) => progress.push(m) })
    expect(result.architecture).toBe('albert')
    expect(result.hf_architecture).toBe('AlbertForSequenceClassification')
    expect(result.config.num_hidden_layers).toBe(config.num_hidden_layers)
    expect(progress.length).toBeGreaterThan(config.num_hidden_layers)
    const model = readModel(result.onnx)
    expect(model.opsetImport.map((o) => [o.domain, o.version])).toEqual([['', 17]])
    const graph = model.graph
    const io = (vs: onnx.IValueInfoProto[] | null | undefined) =>
      (vs ?? []).map((v) => [v.name, v.type?.tensorType?.elemType, v.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || d.dimValue)])
    const INT64 = onnx.TensorProto.DataType.INT64
    expect(io(graph?.input)).toEqual([
      ['input_ids', INT64, ['batch_size', 'sequence_length']],
      ['attention_mask', INT64, ['batch_size', 'sequence_length']],
      ['token_type_ids', INT64, ['batch_size', 'sequence_length']],
    ])
    expect(io(graph?.output)).toEqual([['logits', onnx.TensorProto.DataType.FLOAT, ['batch_size', 2]]])
    const { tensors } = await loadSafetensors(join(dir, 'model.safetensors'))
    const names = (graph?.initializer ?? []).map((t) => t.name ?? '').filter((n) => !n.startsWith('/const/'))
    expect(names.sort()).toEqual([...tensors.keys()].sort())
    // Linear weights are stored [in, out] for MatMul.
    expect(graph?.initializer?.find((t) => t.name === 'albert.encoder.embedding_hidden_mapping_in.weight')?.dims).toEqual([16, 32])
  })

  it('writes GELU in the forms onnxruntime fuses (Gelu/BiasGelu for erf, FastGelu for tanh)', async () => {
    for (const [preset, fused] of [
      ['electra-tiny', ['Gelu', 'BiasGelu']],
      ['albert-tiny', ['FastGelu']],
    ] as const) {
      const { dir, config } = await generateCheckpoint({ preset, outDir: join(root, `fuse-${preset}`) })
      const optimized = join(dir, 'optimized.onnx')
      const session = await ort.InferenceSession.create((await convertCheckpoint(dir)).onnx, {
        graphOptimizationLevel: 'all',
        optimizedModelFilePath: optimized,
      })
      await session.release()
      const ops = (readModel(await readFile(optimized)).graph?.node ?? []).map((n) => n.opType)
      const gelus = ops.filter((op) => fused.some((f) => f === op)).length
      // One per encoder layer (ELECTRA's head adds one more erf GELU); none left as Erf/Tanh.
      expect(gelus).toBeGreaterThanOrEqual(config.num_hidden_layers)
      expect(ops.filter((op) => op === 'Erf' || op === 'Pow')).toEqual([])
    }
  })

  it('reads F16 checkpoints (converted to fp32) and matches the reference', async () => {
    const options = { preset: 'electra-tiny', seed: 4, dtype: 'F16' as const }
    const { dir } = await generateCheckpoint({ ...options, outDir: join(root, 'f16') })
    const { tensors } = await loadSafetensors(join(dir, 'model.safetensors'))
    expect(tensors.get('classifier.dense.weight')?.dtype).toBe('F16')
    const config = resolveConfig(options)
    const floats = new Map(Object.entries(generateTensors(config, options)).map(([k, t]) => [k, t.data]))
    const actual = await runOnnx((await convertCheckpoint(dir)).onnx, BATCH)
    expect(
      maxAbsDiff(
        actual,
        BATCH.map((input) => electraLogits(floats, config, input)),
      ),
    ).toBeLessThan(1e-4)
  })

  it('lists missing, unexpected and misshaped keys in one error', async () => {
    const config = resolveConfig({ preset: 'electra-tiny' })
    const tensors = generateTensors(config)
    delete tensors['electra.encoder.layer.1.output.dense.bias']
    const extra = { dtype: 'F32' as const, shape: [2], data: new Float32Array(2) }
    const ln = tensors['electra.embeddings.LayerNorm.weight']
    if (!ln) throw new Error('no LayerNorm weight')
    const dir = await writeCheckpoint('broken', config, {
      ...tensors,
      'discriminator_predictions.dense_prediction.bias': extra,
      'electra.embeddings.LayerNorm.weight': { ...ln, shape: [8, 2] },
      'electra.embeddings.position_ids': extra, // an old persisted buffer: ignored like transformers does
    })
    const error = await convertError(dir)
    expect(error.kind).toBe('checkpoint_mismatch')
    expect(error.message).toContain('missing keys (1): electra.encoder.layer.1.output.dense.bias [32]')
    expect(error.message).toContain('unexpected keys (1): discriminator_predictions.dense_prediction.bias')
    expect(error.message).toContain('electra.embeddings.LayerNorm.weight: checkpoint [8, 2], config needs [16]')
  })

  it('rejects an unsupported architecture naming the supported ones', async () => {
    const config = { ...resolveConfig({ preset: 'electra-tiny' }), architectures: ['ElectraForPreTraining'] }
    const dir = await writeCheckpoint('pretraining', config, {})
    const error = await convertError(dir)
    expect(error.kind).toBe('unsupported_architecture')
    expect(error.message).toContain('ElectraForPreTraining')
    expect(error.message).toContain('AlbertForSequenceClassification, ElectraForSequenceClassification')
    const roberta = await writeCheckpoint('roberta', { architectures: ['RobertaForSequenceClassification'], model_type: 'roberta' }, {})
    expect((await convertError(roberta)).kind).toBe('unsupported_architecture')
  })

  it('fills transformers class defaults for fields save_pretrained omits', async () => {
    const dir = await writeCheckpoint(
      'sparse',
      {
        architectures: ['AlbertForSequenceClassification'],
        model_type: 'albert',
        hidden_size: 64,
        num_attention_heads: 4,
        intermediate_size: 128,
      },
      {},
    )
    const config = await readHfConfig(dir)
    expect(config).toMatchObject({
      hidden_act: 'gelu_new',
      embedding_size: 128,
      layer_norm_eps: 1e-12,
      num_hidden_groups: 1,
      id2label: { 0: 'LABEL_0', 1: 'LABEL_1' },
    })
  })
})
