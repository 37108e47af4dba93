import type { SafeTensor } from './safetensors.ts'
import { AppError } from '../../src/core/errors.ts'

/**
 * Buffers transformers registers but never needs from a checkpoint
 * (`_keys_to_ignore_on_load_unexpected`): older saves persisted position_ids.
 */
const IGNORED_KEYS = [/\.embeddings\.position_ids$/, /\.embeddings\.token_type_ids$/]

/**
 * The checkpoint's tensors, handed out by HF parameter name with a shape check,
 * after nanoGPT's `from_pretrained`: every key must be taken and every shape
 * must match, and {@link CheckpointWeights.assertComplete} lists all
 * missing, unexpected and misshaped keys at once.
 */
export class CheckpointWeights {
  readonly #tensors: Map<string, SafeTensor>
  readonly #used = new Set<string>()
  readonly #missing: string[] = []
  readonly #misshaped: string[] = []

  constructor(tensors: Map<string, SafeTensor>) {
    this.#tensors = tensors
  }

  /**
   * The float data of `name`, which must have exactly `shape`. A missing or
   * misshaped tensor is recorded (zeros are returned so the walk can go on
   * and report every problem) and thrown by `assertComplete`.
   */
  take(name: string, shape: readonly number[]): Float32Array {
    const t = this.#tensors.get(name)
    const size = shape.reduce((a, b) => a * b, 1)
    if (!t) {
      this.#missing.push(`${name} [${shape.join(', ')}]`)
      return new Float32Array(size)
    }
    this.#used.add(name)
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      this.#misshaped.push(`${name}: checkpoint [${t.shape.join(', ')}], config needs [${shape.join(', ')}]`)
      return new Float32Array(size)
    }
    if (!(t.data instanceof Float32Array)) {
      this.#misshaped.push(`${name}: dtype ${t.dtype}, expected a float tensor (F32/F16/BF16)`)
      return new Float32Array(size)
    }
    return t.data
  }

  /** Throws a ConvertError listing every missing, unexpected and misshaped key, if any. */
  assertComplete(hfArchitecture: string): void {
    const unexpected = [...this.#tensors.keys()].filter((k) => !this.#used.has(k) && !IGNORED_KEYS.some((re) => re.test(k)))
    if (this.#missing.length === 0 && unexpected.length === 0 && this.#misshaped.length === 0) return
    const parts = [
      this.#missing.length > 0 ? `missing keys (${this.#missing.length}): ${this.#missing.join(', ')}` : '',
      unexpected.length > 0 ? `unexpected keys (${unexpected.length}): ${unexpected.join(', ')}` : '',
      this.#misshaped.length > 0 ? `shape mismatches (${this.#misshaped.length}): ${this.#misshaped.join('; ')}` : '',
    ].filter((p) => p !== '')
    throw new AppError(
      'checkpoint_mismatch',
      `model.safetensors does not match ${hfArchitecture} for this config.json: ${parts.join('. ')}. ` +
        'Check that config.json belongs to these weights and that the checkpoint was saved from this class.',
    )
  }
}
