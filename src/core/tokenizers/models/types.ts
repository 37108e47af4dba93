/** A token produced by a model, offsets in code units of the word it came from. */
export interface ModelToken {
  id: number
  value: string
  start: number
  end: number
}

/** `tokenizers::Model::tokenize` for one pre-tokenized word. */
export interface Model {
  tokenize(word: string): ModelToken[]
}
