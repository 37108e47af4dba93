/** Why a checkpoint could not be converted. */
export type ConvertErrorType =
  | 'unsupported_architecture'
  | 'invalid_config'
  | 'missing_file'
  | 'checkpoint_mismatch'

/** A conversion failure; `type` says which kind, the message says what to fix. */
export class ConvertError extends Error {
  readonly type: ConvertErrorType
  constructor(type: ConvertErrorType, message: string) {
    super(message)
    this.name = 'ConvertError'
    this.type = type
  }
}
