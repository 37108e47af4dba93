/** Why a model could not be quantized; `type` is stable for callers and tests. */
export class QuantizeError extends Error {
  readonly type: 'invalid_onnx' | 'unsupported_model'
  constructor(type: QuantizeError['type'], message: string) {
    super(message)
    this.name = 'QuantizeError'
    this.type = type
  }
}
