/** What every architecture's graph builder is given besides the config and the weights. */
export interface BuildOptions {
  /** Called with a short line per layer. */
  onProgress?: (msg: string) => void
  /**
   * Whether the graph takes token_type_ids (default true): false when the
   * tokenizer's model_input_names lacks them, so transformers never passes
   * them and the model embeds token type 0 everywhere. DistilBERT has no token
   * types and ignores this.
   */
  tokenTypeIds?: boolean
}

/** The graph inputs of a BERT-style model under `options`. */
export const bertInputs = (options: BuildOptions): string[] =>
  options.tokenTypeIds === false ? ['input_ids', 'attention_mask'] : ['input_ids', 'attention_mask', 'token_type_ids']

/** The embeddings' token-type source under `options`. */
export const tokenTypesOf = (options: BuildOptions): 'input' | 'zeros' => (options.tokenTypeIds === false ? 'zeros' : 'input')
