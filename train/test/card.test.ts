import { describe, expect, it } from 'vitest'
import { modelCard, targetsMet } from '../card.ts'
import type { EvalReport } from '../evaluate.ts'
import { trainPreset } from '../presets.ts'
import type { PretrainState } from '../pretrain.ts'
import { metricsOf, type TrainState } from '../trainer.ts'

// 100 examples, 25 spam; `wrong` of them predicted with the wrong label (spam ones first).
const metrics = (wrong: number) => {
  const labels = Array.from({ length: 100 }, (_, i) => (i < 25 ? 1 : 0))
  return metricsOf(
    labels,
    labels.map((y, i) => ((i < wrong ? 1 - y : y) === 1 ? [0, 1] : [1, 0])),
  )
}
const report = (fp32Wrong: number, int8Wrong: number): EvalReport => ({
  test_examples: 100,
  max_length: 128,
  tfjs_fp32: metrics(fp32Wrong),
  onnx_fp32: metrics(fp32Wrong),
  onnx_int8: metrics(int8Wrong),
  export_max_abs_diff: 2e-6,
  int8_flips: Math.abs(int8Wrong - fp32Wrong),
  int8_bytes: 5 * 2 ** 20,
  errors_by_kind: { undecodable: { n: 3, fp: 0, fn: 1 }, cjk: { n: 2, fp: 0, fn: 0 }, other: { n: 95, fp: 0, fn: int8Wrong - 1 } },
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
      step: 286,
      totalSteps: 572,
      seed: 1,
      elapsedSeconds: 3000,
      best: { step: 216, validation: metrics(2) },
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
    expect(card).toContain('1 error (0 false positives, 1 false negative) in 3 emails whose text the corpus package had already replaced')
    expect(card).toContain('1 error (0 false positives, 1 false negative) in 95 emails of the rest')
  })

  it('describes a soup by what it averaged, not by training steps it never took', () => {
    const kept = ['.artifacts/train/a/best', '.artifacts/train/b/best']
    const state: TrainState = {
      step: 0,
      totalSteps: 0,
      seed: 0,
      elapsedSeconds: 0,
      best: { step: 0, validation: metrics(2), views: metrics(4) },
      history: [],
      soup: kept,
    }
    const card = modelCard(trainPreset('albert'), report(1, 2), state, '')
    expect(card).toContain(`the uniform average of 2 checkpoints, ${kept.join(', ')}, kept on validation`)
    expect(card).toContain('Exported checkpoint: the soup itself (98.00% on validation, 96.00% on its short views)')
    expect(card).not.toContain('Ran 0 steps')
  })

  it('names the teacher and the mix of a distilled run', () => {
    const state: TrainState = {
      step: 10,
      totalSteps: 10,
      seed: 1,
      elapsedSeconds: 60,
      best: { step: 10, validation: metrics(2) },
      history: [],
      distill: { teacher: '.artifacts/candidates/t', alpha: 0.7, temperature: 2 },
    }
    const card = modelCard(trainPreset('albert'), report(1, 2), state, '')
    expect(card).toContain(
      "Distilled (Hinton et al. 2015) from `.artifacts/candidates/t`: loss 0.3 × cross-entropy with the label + 0.7 × τ² × KL divergence from the teacher's probabilities at τ = 2.",
    )
    const agreeing = modelCard(
      trainPreset('albert'),
      report(1, 2),
      { ...state, distill: { teacher: 't', alpha: 0.7, temperature: 2, agreeing: true } },
      '',
    )
    expect(agreeing).toContain('at τ = 2, the second term only on rows whose label the teacher gives.')
    const plain = modelCard(trainPreset('albert'), report(1, 2), { ...state, distill: undefined }, '')
    expect(plain).not.toContain('Distilled')
  })
})

describe('modelCard with pre-training', () => {
  it('describes the pre-training run and compares with and without it on validation and test', () => {
    const state: TrainState = {
      step: 100,
      totalSteps: 100,
      seed: 3,
      elapsedSeconds: 600,
      best: { step: 80, validation: metrics(1) },
      history: [{ step: 80, epoch: 0.3, trainLoss: 0.1, validation: metrics(1), elapsedSeconds: 500 }],
    }
    const pretrainState: PretrainState = {
      task: 'mlm-sop',
      step: 800,
      totalSteps: 800,
      seed: 1,
      elapsedSeconds: 4200,
      history: [
        { step: 50, epoch: 0.04, trainLoss: 10, eval: { mlm_loss: 9.5, mlm_acc: 0.02, sop_loss: 0.69, sop_acc: 0.5 }, elapsedSeconds: 300 },
        {
          step: 800,
          epoch: 0.69,
          trainLoss: 6,
          eval: { mlm_loss: 5.25, mlm_acc: 0.25, sop_loss: 0.4, sop_acc: 0.8125 },
          elapsedSeconds: 4200,
        },
      ],
    }
    const card = modelCard(trainPreset('albert'), report(1, 1), state, '', {
      state: pretrainState,
      description: 'Windows of the training bodies.',
      without: { report: report(3, 4), validation: metrics(4), description: 'the committed recipe.' },
    })
    expect(card).toContain('pre-trained (self-supervised')
    expect(card).toContain('masked-language modelling + sentence-order prediction')
    expect(card).toContain('Ran 800 steps, 70 min of wall time.')
    expect(card).toContain('mlm_loss 5.250, mlm_acc 25.00%, sop_loss 0.400, sop_acc 81.25% at step 800')
    expect(card).toContain('| without pre-training | 96.00% | 0.9130 | 97.00% | 0.9362 | 96.00% | 0.9130 |')
    expect(card).toContain('| with pre-training | 99.00% | 0.9796 | 99.00% | 0.9796 | 99.00% | 0.9796 |')
    expect(card).not.toContain('Pre-training**: none')
  })
})
