/**
 * Every failure of the tokenizer code is a `TokenizerError` with a `type` a
 * caller can switch on and a message that says what to do.
 */
export type TokenizerErrorType =
  /** tokenizer.json names a component (or option) this code does not implement */
  | 'unsupported_component'
  /** tokenizer.json is malformed or inconsistent (bad JSON, missing vocab, bad ids) */
  | 'invalid_tokenizer'
  /** compiled bytes are not ours, are truncated, or come from another format version */
  | 'invalid_format'
  /** the input needs more tokens than max_length and truncation is off */
  | 'too_long'
  /** encode options that cannot be honoured (e.g. max_length below the special-token count) */
  | 'invalid_options'

/** The error class thrown by `src/core/tokenizers`. */
export class TokenizerError extends Error {
  readonly type: TokenizerErrorType

  constructor(type: TokenizerErrorType, message: string) {
    super(message)
    this.name = 'TokenizerError'
    this.type = type
  }
}
