/** A publish that cannot go ahead; the message says how to fix it. */
export class PublishError extends Error {
  readonly type: 'verification_failed' | 'missing_file' | 'unsupported_model' | 'invalid_id' | 'over_budget'
  override name = 'PublishError'
  constructor(type: PublishError['type'], message: string) {
    super(message)
    this.type = type
  }
}
