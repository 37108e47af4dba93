/**
 * Classify, transport-free: the Hugging Face Inference text-classification
 * request against one model, run as padded batches within
 * DEFAULT_BATCH_BUDGET's memory bound. `POST /v1/models/{id}/classify` and
 * the RPC entrypoint's `classify` both call it.
 */
import { classifyEncodings, DEFAULT_BATCH_BUDGET, defaultActivation } from '../core/inference/classifier.ts'
import type { LabelScore } from '../core/inference/classifier.ts'
import type { ClassifyRequest } from '../core/schema/request.ts'
import type { Answer, ApiContext, PhaseReporter } from './context.ts'
import { withEncoded } from './encoded.ts'

/** One input: labels sorted by score. A list of inputs: one such list per input. */
export type ClassifyResult = LabelScore[] | LabelScore[][]

/** Classifies a validated request with model `id`; throws ProblemErrors and the registry's errors. */
export async function classifyRequest(
  ctx: ApiContext,
  id: string,
  request: ClassifyRequest,
  report: PhaseReporter = () => {},
): Promise<Answer<ClassifyResult>> {
  return withEncoded(ctx, id, request, report, async ({ version, tokenizer, session }, encodings, batch) => {
    const start = performance.now()
    const results = await classifyEncodings(
      session,
      encodings,
      { pad_id: tokenizer.pad_id, id2label: version.id2label },
      {
        activation: request.parameters?.function_to_apply ?? defaultActivation(version.problem_type),
        top_k: request.parameters?.top_k ?? null,
      },
      DEFAULT_BATCH_BUDGET,
    )
    report('infer', performance.now() - start)
    return { body: batch ? results : (results[0] ?? []), version: version.version }
  })
}
