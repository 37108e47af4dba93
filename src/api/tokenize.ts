/**
 * Tokenize, transport-free: the model's tokenizer output, for debugging and
 * parity checks against Hugging Face. `POST /v1/models/{id}/tokenize` and the
 * RPC entrypoint's `tokenize` both call it.
 */
import type { TokenizeRequest } from '../core/schema/request.ts'
import type { Answer, ApiContext, PhaseReporter } from './context.ts'
import { encodeOptions, normalizeInputs } from './inputs.ts'
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
  const { items, batch } = normalizeInputs(request.inputs, ctx.limits)
  const lease = await ctx.registry.acquire(id, (p) => ctx.waitUntil(p))
  try {
    const { version, tokenizer } = lease.model
    report('load', lease.waitedMs)
    const options = encodeOptions(request.parameters, version, ctx.limits)
    const start = performance.now()
    const encodings: Encoding[] = items.map((item) => {
      const e = tokenizer.encode(item, options)
      return { ids: e.ids, tokens: e.tokens, attention_mask: e.attention_mask, token_type_ids: e.token_type_ids, offsets: e.offsets }
    })
    report('tokenize', performance.now() - start)
    report('infer', 0)
    // A list always holds one encoding per input, so [0] exists for a single input.
    return { body: batch ? encodings : (encodings[0] as Encoding), version: version.version }
  } finally {
    lease.done()
  }
}
