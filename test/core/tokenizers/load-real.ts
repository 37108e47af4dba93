import { readFileSync } from 'node:fs'
import { tokenizerFile } from '../../../scripts/paths.ts'
import { compileTokenizer, loadTokenizer, type Tokenizer } from '../../../src/core/tokenizers/index.ts'

/** The real tokenizer.json files of shared/tokenizers, by model folder. */
export const MODELS = { albert: 'albert-base-v2', electra: 'electra-small' } as const

const compiled = new Map<string, Uint8Array>()

/** Compiled bytes of a real tokenizer (compiled once per test file). */
export function compiledBytes(model: string): Uint8Array {
  let b = compiled.get(model)
  if (b === undefined) {
    b = compileTokenizer(readFileSync(tokenizerFile(model, 'tokenizer.json'), 'utf8'))
    compiled.set(model, b)
  }
  return b
}

export const realTokenizer = (model: string): Tokenizer => loadTokenizer(compiledBytes(model))

/** A vector from shared/tokenizers/vectors/*.json. */
export interface Vector {
  text: string
  text_pair?: string
  tokens: string[]
  ids: number[]
}

export function vectors(file: string): Array<[string, Vector]> {
  return Object.entries(JSON.parse(readFileSync(tokenizerFile('vectors', file), 'utf8')) as Record<string, Vector>)
}
