import type { Encoded } from './batches.ts'
import { convertCheckpoint } from '../scripts/convert/index.ts'
import { openNodeSession } from '../scripts/ort/node.ts'
import { sessionLogits } from './evaluate.ts'
import type { Model } from './model.ts'
import { metricsOf, type Metrics, saveHfCheckpoint } from './trainer.ts'

/**
 * Validation through the pipeline's own export: the model is written as an F32
 * HF checkpoint to `scratch`, converted by scripts/convert and run on
 * onnxruntime-node with one thread. Native inference is several times faster
 * than tfjs-wasm's forward pass on 256-token bodies, and `evaluate` checks that
 * the two agree (the export check).
 */
export function onnxScorer(scratch: string, padId: number): (model: Model, sets: readonly (readonly Encoded[])[]) => Promise<Metrics[]> {
  return async (model, sets) => {
    await saveHfCheckpoint(scratch, model, 'F32')
    return scoreCheckpoint(scratch, sets, padId)
  }
}

/** Metrics of an F32 HF checkpoint folder on each set, through its fp32 ONNX export. */
export async function scoreCheckpoint(dir: string, sets: readonly (readonly Encoded[])[], padId: number): Promise<Metrics[]> {
  const session = await openNodeSession((await convertCheckpoint(dir)).onnx)
  try {
    const out: Metrics[] = []
    for (const set of sets)
      out.push(
        metricsOf(
          set.map((e) => e.label),
          await sessionLogits(session, set, padId),
        ),
      )
    return out
  } finally {
    await session.release()
  }
}
