/**
 * Exact Hugging Face tokenization (WordPiece and SentencePiece Unigram) for
 * the Worker and the pipeline: `compileTokenizer` turns tokenizer.json into
 * the bytes stored in KV, `loadTokenizer` turns them back into a `Tokenizer`.
 */
export { compileTokenizer } from './compile.ts'
export { loadTokenizer } from './load.ts'
export { padBatch } from './pad.ts'
export { FORMAT_VERSION } from './format.ts'
export type { Tokenizer } from './tokenizer.ts'
export type { EncodeInput, EncodeOptions, Encoding } from './types.ts'
