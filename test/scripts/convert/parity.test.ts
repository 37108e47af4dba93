import { describe, expect, it } from 'vitest'
import { albertLogits } from '../../support/reference/albert.ts'
import { bertLogits } from '../../support/reference/bert.ts'
import { electraLogits } from '../../support/reference/electra.ts'
import type { RefInput, Tensors } from '../../support/reference/ops.ts'
import type { HfConfig } from '../../../scripts/convert/config.ts'
import { BATCH, convertInMemory, itMatchesReference, maxAbsDiff, PARITY_TOL as TOL, runOnnx, tinyCheckpoint } from './helpers.ts'

type Reference = (tensors: Tensors, config: HfConfig, input: RefInput) => number[]
/**
 * Weight std for these checkpoints: twice 1/sqrt(hidden). At 1/sqrt(hidden),
 * swapping gelu for gelu_new moves electra-tiny's logits by only ~7e-5 (the
 * activations differ by at most 4.7e-4, near |x| = 2.7), under TOL; wider
 * pre-activations put more mass where they differ (~3e-3) while the fp32
 * ONNX error stays ~1e-5.
 */
const STD = 2 / Math.sqrt(32)

const cases: { preset: string; reference: Reference; swapped: string }[] = [
  { preset: 'electra-tiny', reference: electraLogits, swapped: 'gelu_new' },
  { preset: 'albert-tiny', reference: albertLogits, swapped: 'gelu' },
  { preset: 'bert-tiny', reference: bertLogits, swapped: 'gelu_new' },
]

describe.each(cases)('$preset fp32 ONNX vs Float64 reference', ({ preset, reference, swapped }) => {
  const { config, tensors, floats } = tinyCheckpoint({ preset, seed: 7, std: STD, id2label: { 0: 'neg', 1: 'neutral', 2: 'pos' } })
  const model = convertInMemory(config, tensors)
  const expected = BATCH.map((input) => reference(floats, config, input))

  itMatchesReference(model, (input) => reference(floats, config, input))

  it('token_type_ids change the logits of a pair', async () => {
    const pair = BATCH[2]
    if (!pair) throw new Error('no pair')
    const [asPair, asSingle] = await runOnnx(model, [pair, { ...pair, token_type_ids: pair.token_type_ids.map(() => 0) }])
    expect(maxAbsDiff([asPair ?? []], [asSingle ?? []])).toBeGreaterThan(100 * TOL)
  })

  it(`would catch ${config.hidden_act} mixed up with ${swapped}`, () => {
    const wrong = BATCH.map((input) => reference(floats, { ...config, hidden_act: swapped }, input))
    expect(maxAbsDiff(wrong, expected)).toBeGreaterThan(10 * TOL)
  })
})

describe('ALBERT layer sharing', () => {
  it('emits each shared weight once and applies groups as AlbertTransformer does', async () => {
    const { config, tensors, floats } = tinyCheckpoint({
      preset: 'albert-tiny',
      config: { num_hidden_layers: 4, num_hidden_groups: 2, inner_group_num: 2 },
      seed: 3,
      std: STD,
    })
    const model = convertInMemory(config, tensors)
    const { readModel } = await import('../../../scripts/onnx/proto.ts')
    const graph = readModel(model).graph
    const query = 'albert.encoder.albert_layer_groups.1.albert_layers.1.attention.query.weight'
    expect(graph?.initializer?.filter((t) => t.name === query)).toHaveLength(1)
    // 4 layers over 2 groups: group 1 runs for layers 2 and 3, each applying both inner layers.
    expect(graph?.node?.filter((n) => n.input?.includes(query))).toHaveLength(2)
    const actual = await runOnnx(model, BATCH)
    expect(
      maxAbsDiff(
        actual,
        BATCH.map((input) => albertLogits(floats, config, input)),
      ),
    ).toBeLessThan(TOL)
  })
})
