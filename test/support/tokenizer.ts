/**
 * A real `Tokenizer` over a one-token model: every input encodes to `ids`,
 * whatever its text. For registry and rollout tests, where the tokenizer is
 * carried, not examined.
 */
import { Tokenizer } from '../../src/core/tokenizers/tokenizer.ts'

export function constantTokenizer(ids: readonly number[] = [], vocab_size = 10): Tokenizer {
  return new Tokenizer({
    normalizer: null,
    preTokenizer: null,
    model: { tokenize: () => ids.map((id, i) => ({ id, value: `t${id}`, start: i, end: i + 1 })) },
    template: null,
    addedTokens: [],
    idToToken: (id) => `t${id}`,
    vocab_size,
    pad_id: 0,
  })
}
