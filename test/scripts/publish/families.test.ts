/**
 * Each family and shape of issue 18 through the publish pipeline's model
 * preparation (convert -> int8 with fused attention -> verify under
 * onnxruntime-web -> ORT's saved optimizations), then served by the Worker's
 * classifier code over onnxruntime-web: seeded DistilBERT and ERNIE,
 * TinyBERT 4L-312 (heads of 26), MiniLM-L6-H384 (heads of 32) and a one-label
 * cross-encoder on text pairs.
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateCheckpoint } from '../../../scripts/checkpoint/generate.ts'
import { openWebSession } from '../../../scripts/ort/web.ts'
import { tokenizerFile } from '../../../scripts/paths.ts'
import { type PreparedModel, prepareModel } from '../../../scripts/publish/prepare.ts'
import { classifyEncodings, defaultActivation } from '../../../src/core/inference/classifier.ts'
import { compileTokenizer, loadTokenizer } from '../../../src/core/tokenizers/index.ts'
import type { EncodeInput } from '../../../src/core/tokenizers/types.ts'
import { type Tokenizer } from '../../../src/core/tokenizers/tokenizer.ts'
import { ernieTokenizerJson } from '../../core/tokenizers/ernie-tokenizer.ts'
import { AppError } from '../../../src/core/errors.ts'
import { pickSmokeCases } from '../../../scripts/publish/smoke.ts'

let root = ''
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'edge-classify-families-'))
})
afterAll(() => rm(root, { recursive: true, force: true }))

const bertJson = (): string => readFileSync(tokenizerFile('electra-small', 'tokenizer.json'), 'utf8')
const tokenizerOf = (json: string): Tokenizer => loadTokenizer(compileTokenizer(json))
const LABELS = { 0: 'negative', 1: 'positive' }

const CHINESE: EncodeInput[] = [
  '我爱北京天安门。',
  '生活的真谛是爱',
  '这个模型很好',
  '他们在学校学习中文',
  '今天天气不错，我们去公园吧！',
  '价格是100元',
  '你好，世界',
  '中国的首都是北京',
  '她说话的声音很好听',
  '我们明天见',
  '公司发展得很快',
  '这本书写得太好了',
  '请问火车站在哪里？',
  '电影什么时候开始？',
  '我想喝水',
  '老师和学生都来了',
  '他是我的朋友',
  '时间过得真快',
  'hello世界',
  'ERNIE 3.0是一个模型',
  '东西南北',
  '一二三四五六七八九十',
  '春天来了，花开了',
  '山高水长',
].map((text) => ({ text }))

interface Case {
  preset: string
  layers: number
  inputs: string[]
  tokenizer: () => string
  texts?: EncodeInput[]
  id2label?: Record<string, string>
}

const cases: Case[] = [
  { preset: 'distilbert-tiny', layers: 2, inputs: ['input_ids', 'attention_mask'], tokenizer: bertJson },
  {
    preset: 'ernie-tiny',
    layers: 2,
    inputs: ['input_ids', 'attention_mask', 'token_type_ids'],
    tokenizer: ernieTokenizerJson,
    texts: CHINESE,
  },
  { preset: 'tinybert-4l-312', layers: 4, inputs: ['input_ids', 'attention_mask', 'token_type_ids'], tokenizer: bertJson },
  { preset: 'minilm-l6-h384', layers: 6, inputs: ['input_ids', 'attention_mask', 'token_type_ids'], tokenizer: bertJson },
]

async function prepare(
  c: Pick<Case, 'preset' | 'tokenizer' | 'texts' | 'id2label'>,
  seed: number,
): Promise<{ model: PreparedModel; tokenizer: Tokenizer }> {
  const dir = join(root, `${c.preset}-${seed}`)
  await generateCheckpoint({ preset: c.preset, seed, outDir: dir, ...(c.id2label ? { id2label: c.id2label } : {}) })
  const tokenizer = tokenizerOf(c.tokenizer())
  const model = await prepareModel(dir, { precision: 'int8', tokenizer, onProgress: () => {}, ...(c.texts ? { texts: c.texts } : {}) })
  return { model, tokenizer }
}

describe.each(cases)('$preset', (c) => {
  let prepared: { model: PreparedModel; tokenizer: Tokenizer }
  beforeAll(async () => {
    prepared = await prepare({ ...c, id2label: LABELS }, 21)
  }, 300_000)

  it('quantizes every attention block into QAttention and agrees with fp32 under onnxruntime-web', () => {
    const { model } = prepared
    expect(model.precision).toBe('int8')
    expect(model.inputs).toEqual(c.inputs)
    expect(model.quantization?.fused.attention).toBe(c.layers)
    expect(model.verification?.argmax_agreement).toBeGreaterThanOrEqual(0.95)
    expect(model.graph_optimization).toBe('extended')
  })

  it('serves through the Worker classifier: softmax over the labels, raw logits under "none"', async () => {
    const { model, tokenizer } = prepared
    const session = await openWebSession(model.served)
    try {
      expect([...session.inputNames]).toEqual(c.inputs)
      const texts = (
        c.texts ?? [{ text: 'What a wonderful day.' }, { text: 'The service was slow and rude.', text_pair: 'Never again.' }]
      ).slice(0, 3)
      const encodings = texts.map((t) => tokenizer.encode(t, { max_length: 128, truncation: true }))
      const meta = { pad_id: tokenizer.pad_id, id2label: model.id2label }
      expect(defaultActivation(model.problem_type)).toBe('softmax')
      const scored = await classifyEncodings(session, encodings, meta, { activation: 'softmax', top_k: null })
      for (const row of scored) expect(row.reduce((s, r) => s + r.score, 0)).toBeCloseTo(1, 5)
      const raw = await classifyEncodings(session, encodings, meta, { activation: 'none', top_k: null })
      expect(raw.map((row) => row.map((r) => r.label))).toEqual(scored.map((row) => row.map((r) => r.label)))
    } finally {
      await session.release()
    }
  })
})

describe('one-label cross-encoder (ms-marco-MiniLM-L6-v2 shape)', () => {
  let prepared: { model: PreparedModel; tokenizer: Tokenizer }
  const PAIRS: EncodeInput[] = [
    { text: 'how many people live in berlin?', text_pair: 'Berlin has a population of 3,520,031 registered inhabitants.' },
    { text: 'how many people live in berlin?', text_pair: 'New York City is famous for the Metropolitan Museum of Art.' },
    { text: 'what is the capital of france?', text_pair: 'Paris is the capital and most populous city of France.' },
    { text: 'what is the capital of france?', text_pair: 'The quick brown fox jumps over the lazy dog.' },
  ]
  beforeAll(async () => {
    prepared = await prepare({ preset: 'cross-encoder-minilm-l6', tokenizer: bertJson }, 5)
  }, 300_000)

  it('publishes as a one-output score (problem_type regression), verified by how it orders the texts', () => {
    const { model } = prepared
    expect(model.problem_type).toBe('regression')
    expect(model.id2label).toEqual({ 0: 'LABEL_0' })
    expect(model.quantization?.fused.attention).toBe(6)
    expect(model.verification?.argmax_agreement).toBeGreaterThanOrEqual(0.95)
  })

  it('scores text pairs with a sigmoid by default and returns the raw score under "none"', async () => {
    const { model, tokenizer } = prepared
    const session = await openWebSession(model.served)
    try {
      const encodings = PAIRS.map((p) => tokenizer.encode(p, { max_length: 128, truncation: true }))
      expect(encodings[0]?.token_type_ids).toContain(1)
      const meta = { pad_id: tokenizer.pad_id, id2label: model.id2label }
      const activation = defaultActivation(model.problem_type)
      expect(activation).toBe('sigmoid')
      const scores = (await classifyEncodings(session, encodings, meta, { activation, top_k: null })).map((row) => row.map((r) => r.score))
      const raw = (await classifyEncodings(session, encodings, meta, { activation: 'none', top_k: null })).map((row) =>
        row.map((r) => r.score),
      )
      expect(scores.map((row) => row.length)).toEqual([1, 1, 1, 1])
      scores.forEach((row, i) => expect(row[0]).toBeCloseTo(1 / (1 + Math.exp(-(raw[i]?.[0] ?? 0))), 6))
      // The passage matters: different pairs score differently.
      expect(new Set(raw.map((row) => row[0]?.toFixed(4))).size).toBe(4)
    } finally {
      await session.release()
    }
  })

  it('carries the score in its smoke cases, since its one label always wins', async () => {
    const cases = await pickSmokeCases(prepared.model, prepared.tokenizer, PAIRS)
    expect(cases.length).toBeGreaterThan(0)
    for (const c of cases) {
      expect(c.label).toBe('LABEL_0')
      expect(c.score).toBeGreaterThan(0)
      expect(c.score).toBeLessThan(1)
    }
  })
})

describe('problem types', () => {
  it('refuses a regression with several outputs, naming what to change', async () => {
    const dir = join(root, 'multi-regression')
    await generateCheckpoint({ preset: 'bert-tiny', seed: 1, outDir: dir, config: { problem_type: 'regression' } })
    const error = await prepareModel(dir, { precision: 'fp32', tokenizer: tokenizerOf(bertJson()), onProgress: () => {} }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(AppError)
    expect(String(error)).toMatch(/regression model with 2 outputs.*one label for a single score/)
  })

  it('serves a DistilBERT export folder whose tokenizer_config drops token_type_ids', async () => {
    const dir = join(root, 'distil-export')
    await generateCheckpoint({ preset: 'distilbert-tiny', seed: 2, outDir: dir })
    await symlink(tokenizerFile('electra-small', 'tokenizer.json'), join(dir, 'tokenizer.json'))
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_input_names: ['input_ids', 'attention_mask'] }))
    const model = await prepareModel(dir, { precision: 'fp32', tokenizer: tokenizerOf(bertJson()), onProgress: () => {} })
    expect(model.inputs).toEqual(['input_ids', 'attention_mask'])
    expect(model.architecture).toBe('distilbert')
  })
})
