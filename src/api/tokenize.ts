/**
 * Tokenize, transport-free: the model's tokenizer output, for debugging and
 * parity checks against Hugging Face. `POST /v1/models/{id}/tokenize` and the
 * RPC entrypoint's `tokenize` both call it.
 */
import type { TokenizeRequest } from '../core/schema/request.ts'
import type { Answer, ApiContext, PhaseReporter } from './context.ts'
import { withEncoded } from './encoded.ts'
import type { Encoding } from '../core/tokenizers/types.ts'

/** One input: its encoding (unpadded). A list of inputs: one per input. */
export type TokenizeResult = Encoding | Encoding[]

/** Tokenizes a validated request with model `id`'s tokenizer; throws ProblemErrors and the registry's errors. */
export async function tokenizeRequest(
  ctx: ApiContext,
  id: string,
  request: TokenizeRequest,
  report: PhaseReporter = () => {},
): Promise<Answer<TokenizeResult>> {
  return withEncoded(ctx, id, request, report, async ({ version }, encoded, batch) => {
    // Only the Encoding fields cross, whatever else the tokenizer keeps.
    const encodings: Encoding[] = encoded.map((e) => ({
      ids: e.ids,
      tokens: e.tokens,
      attention_mask: e.attention_mask,
      token_type_ids: e.token_type_ids,
      offsets: e.offsets,
    }))
    report('infer', 0)
    // A list always holds one encoding per input, so [0] exists for a single input.
    return { body: batch ? encodings : (encodings[0] as Encoding), version: version.version }
  })
}
