/**
 * The contract between tokenizers and their users (the Worker's routes and the
 * pipeline). Field names follow Hugging Face `tokenizers` / `transformers`.
 */

export interface EncodeInput {
  text: string
  text_pair?: string
}

export interface EncodeOptions {
  /** tokens, including special tokens */
  max_length: number
  /** when false, an input longer than max_length is an error (AppError 'too_long') */
  truncation: boolean
}

export interface Encoding {
  ids: number[]
  tokens: string[]
  attention_mask: number[]
  token_type_ids: number[]
  /** [start, end) offsets in UTF-16 code units of the original text (of text_pair for type 1); [0, 0] for specials */
  offsets: Array<[number, number]>
}
