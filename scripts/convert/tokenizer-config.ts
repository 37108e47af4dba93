import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AppError } from '../../src/core/errors.ts'

/**
 * `model_input_names` from `<dir>/tokenizer_config.json`, or undefined when
 * the file or the field is absent (the tokenizer class's default applies).
 * transformers' tokenizers return, and its pipelines pass, only these inputs.
 */
export async function readModelInputNames(dir: string): Promise<string[] | undefined> {
  const path = join(dir, 'tokenizer_config.json')
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return undefined
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new AppError('invalid_config', `${path} is not JSON: ${(e as Error).message}`)
  }
  const names = typeof json === 'object' && json !== null ? (json as { model_input_names?: unknown }).model_input_names : undefined
  if (names === undefined) return undefined
  if (!Array.isArray(names) || !names.every((n): n is string => typeof n === 'string') || !names.includes('input_ids')) {
    throw new AppError(
      'invalid_config',
      `${path}: "model_input_names" must be a list of input names including "input_ids", got ${JSON.stringify(names)}`,
    )
  }
  return names
}
