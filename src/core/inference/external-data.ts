/**
 * ONNX external data handed to onnxruntime-web one tensor at a time.
 *
 * onnxruntime-web mounts each `externalData` entry as it is and, while it
 * creates the session, copies every external initializer out of it with one
 * synchronous `subarray(offset, offset + length)` straight into the tensor's
 * Wasm memory. So the weights never sit in the Wasm heap twice (as inline
 * ONNX makes them, model bytes beside initializers), and an entry that is a
 * `Uint8Array` over one buffer per tensor can forget each buffer as it is
 * copied: JavaScript then holds only the tensors not yet read, instead of the
 * whole file for the whole load (docs/families.md has the measurements).
 */

/** Where one initializer's bytes lie in the external data file. */
export interface ExternalRange {
  name: string
  /** bytes from the start of the file */
  offset: number
  /** bytes */
  length: number
}

/**
 * The external data file as one buffer per initializer, keyed by offset.
 * `subarray` hands a piece over and forgets it, so a range asked for twice is
 * an error; `byteLength` is the whole file's, which onnxruntime-web checks
 * every range against.
 *
 * @example
 * const data = new ExternalDataPieces(size, pieces) // pieces: Map<offset, bytes>, e.g. from R2 range reads
 * await ort.InferenceSession.create(graph, { ...options, externalData: [{ path: 'model.data', data }] })
 */
export class ExternalDataPieces extends Uint8Array<ArrayBuffer> {
  readonly #pieces: Map<number, Uint8Array<ArrayBuffer>>
  readonly #size: number
  #held: number

  constructor(size: number, pieces: Map<number, Uint8Array<ArrayBuffer>>) {
    super(new ArrayBuffer(0))
    this.#size = size
    this.#pieces = pieces
    this.#held = [...pieces.values()].reduce((sum, p) => sum + p.byteLength, 0)
  }

  override get byteLength(): number {
    return this.#size
  }

  /** Bytes of the pieces not handed over yet. */
  get held(): number {
    return this.#held
  }

  /** Pieces not handed over yet (0 once a session has read them all). */
  get remaining(): number {
    return this.#pieces.size
  }

  override subarray(begin = 0, end = this.#size): Uint8Array<ArrayBuffer> {
    const piece = this.#pieces.get(begin)
    if (piece === undefined || piece.byteLength !== end - begin) {
      throw new RangeError(`external data: no piece for bytes [${begin}, ${end}) (each initializer's range is read once)`)
    }
    this.#pieces.delete(begin)
    this.#held -= piece.byteLength
    return piece
  }
}
