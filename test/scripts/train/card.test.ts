import { describe, expect, it } from 'vitest'
import { modelCard, targetsMet } from '../../../scripts/train/card.ts'
import type { EvalReport } from '../../../scripts/train/evaluate.ts'
import { trainPreset } from '../../../scripts/train/presets.ts'
import { metricsOf, type TrainState } from '../../../scripts/train/trainer.ts'

// 100 examples, 25 spam; `wrong` of them predicted with the wrong label (spam ones first).
const metrics = (wrong: number) => {
  const labels = Array.from({ length: 100 }, (_, i) => (i < 25 ? 1 : 0))
  return metricsOf(labels, labels.map((y, i) => ((i < wrong ? 1 - y : y) === 1 ? [0, 1] : [1, 0])))
}
const report = (fp32Wrong: number, int8Wrong: number): EvalReport => ({
  test_examples: 100, max_length: 128, tfjs_fp32: metrics(fp32Wrong), onnx_fp32: metrics(fp32Wrong), onnx_int8: metrics(int8Wrong),
  export_max_abs_diff: 2e-6, int8_flips: Math.abs(int8Wrong - fp32Wrong), int8_bytes: 5 * 2 ** 20,
})

describe('targetsMet', () => {
  it('checks accuracy, spam F1 and the int8 gap', () => {
    expect(targetsMet(report(1, 1))).toEqual({ accuracy: true, f1: true, int8: true })
    expect(targetsMet(report(2, 4))).toEqual({ accuracy: false, f1: false, int8: false })
  })
})

describe('modelCard', () => {
  it('reports the measured figures and the validation history', () => {
    const state: TrainState = {
      step: 286, totalSteps: 572, seed: 1, elapsedSeconds: 3000, best: { step: 216, validation: metrics(2) },
      history: [{ step: 216, epoch: 0.76, trainLoss: 0.1234, validation: metrics(2), elapsedSeconds: 2000 }],
    }
    const card = modelCard(trainPreset('electra'), report(1, 2), state, 'Phase text.')
    expect(card).toContain('# electra-small-spam')
    expect(card).toContain('| fp32 ONNX (scripts/convert, from the F16 file) | 99.00% | 1.0000 | 0.9600 | 0.9796 | 24 / 0 / 75 / 1 |')
    expect(card).toContain('1 of 100 predictions differ; accuracy difference -1.00 points')
    expect(card).toContain('int8 within 0.5 points of fp32 NOT met')
    expect(card).toContain('| 216 | 0.76 | 0.1234 |')
    expect(card).toContain('Phase text.')
    expect(card).toContain('step 216 (98.00% on validation)')
  })
})
