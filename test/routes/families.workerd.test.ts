import { beforeAll, describe, expect, it } from 'vitest'
import type { LabelScore } from '../../src/core/inference/classifier.ts'
import type { ModelManifest } from '../../src/core/schema/manifest.ts'
import { CROSS_ENCODER, DISTILBERT, PARITY_INPUTS } from '../support/fixture-models.ts'
import { api, batch, ok, single } from '../support/http.ts'
import { seedFamilyModels } from '../support/seed.ts'

/**
 * Issue 18's families served by the Worker: a DistilBERT, whose graph takes
 * no token_type_ids, and a one-label cross-encoder on text pairs.
 */
const route = api.v1.models[':id'].classify
const classify = (id: string, json: Parameters<typeof route.$post>[0]['json']) => route.$post({ param: { id }, json })

let manifests: ModelManifest[]
let expected: Record<string, LabelScore[][]>
beforeAll(async () => {
  ;({ manifests, expected } = await seedFamilyModels())
})

describe('DistilBERT', () => {
  it('is published without token_type_ids and matches onnxruntime-web in Node on a batch with a pair', async () => {
    expect(manifests.find((m) => m.id === DISTILBERT.id)?.versions[0]?.inputs).toEqual(['input_ids', 'attention_mask'])
    const res = await classify(DISTILBERT.id, { inputs: [...PARITY_INPUTS] })
    expect(res.status).toBe(200)
    const body = batch(await (await ok(res)).json())
    const reference = expected[DISTILBERT.id] ?? []
    expect(body).toHaveLength(PARITY_INPUTS.length)
    body.forEach((row, i) => {
      const want = Object.fromEntries((reference[i] ?? []).map((r) => [r.label, r.score]))
      for (const r of row) expect(r.score).toBeCloseTo(want[r.label] ?? Number.NaN, 4)
    })
  })
})

describe('one-label cross-encoder', () => {
  const pair = { text: 'how many people live in berlin?', text_pair: 'Berlin has a population of 3.5 million.' }

  it("scores a text pair through a sigmoid by default, as transformers' pipeline does for one label", async () => {
    expect(manifests.find((m) => m.id === CROSS_ENCODER.id)?.versions[0]?.problem_type).toBe('regression')
    const res = await classify(CROSS_ENCODER.id, { inputs: [...PARITY_INPUTS] })
    expect(res.status).toBe(200)
    const body = batch(await (await ok(res)).json())
    const reference = expected[CROSS_ENCODER.id] ?? []
    body.forEach((row, i) => {
      expect(row).toHaveLength(1)
      expect(row[0]?.label).toBe('LABEL_0')
      expect(row[0]?.score).toBeGreaterThan(0)
      expect(row[0]?.score).toBeLessThan(1)
      expect(row[0]?.score).toBeCloseTo(reference[i]?.[0]?.score ?? Number.NaN, 4)
    })
  })

  it('returns the raw score under function_to_apply "none"', async () => {
    const score = async (json: Parameters<typeof route.$post>[0]['json']) =>
      single(await (await ok(await classify(CROSS_ENCODER.id, json))).json())[0]?.score ?? Number.NaN
    const sigmoid = await score({ inputs: pair })
    const raw = await score({ inputs: pair, parameters: { function_to_apply: 'none' } })
    expect(1 / (1 + Math.exp(-raw))).toBeCloseTo(sigmoid, 5)
  })
})
