/**
 * What classify and tokenize do before their own step: hold a lease on the
 * live model (loading it if needed), then encode the request's inputs with
 * its tokenizer within the limits. The lease is held until `run` ends.
 */
import type { LiveModel } from '../models/registry.ts'
import type { Encoding } from '../core/tokenizers/types.ts'
import type { Input } from '../core/schema/request.ts'
import type { ApiContext, PhaseReporter } from './context.ts'
import { encodeOptions, normalizeInputs } from './inputs.ts'

export interface EncodedRequest {
  inputs: Input | Input[]
  parameters?: { truncation?: boolean | undefined; max_length?: number | undefined } | undefined
}

export async function withEncoded<T>(
  ctx: ApiContext,
  id: string,
  request: EncodedRequest,
  report: PhaseReporter,
  run: (model: LiveModel, encodings: Encoding[], batch: boolean) => Promise<T>,
): Promise<T> {
  const { items, batch } = normalizeInputs(request.inputs, ctx.limits)
  const lease = await ctx.registry.acquire(id, (p) => ctx.waitUntil(p))
  try {
    report('load', lease.waitedMs)
    const options = encodeOptions(request.parameters, lease.model.version, ctx.limits)
    const start = performance.now()
    const encodings = items.map((item) => lease.model.tokenizer.encode(item, options))
    report('tokenize', performance.now() - start)
    return await run(lease.model, encodings, batch)
  } finally {
    lease.done()
  }
}
