import type { Encoding } from '../../src/core/tokenizers/types.ts'

/** An encoding of `n` identical real tokens, for tests that only count rows and lengths. */
export const encodingOf = (n: number): Encoding => ({
  ids: Array<number>(n).fill(5),
  tokens: Array<string>(n).fill('x'),
  attention_mask: Array<number>(n).fill(1),
  token_type_ids: Array<number>(n).fill(0),
  offsets: Array<[number, number]>(n).fill([0, 0]),
})
