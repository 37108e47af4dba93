import { AppError } from '../errors.ts'

/** Small shape checks for tokenizer.json parts; failures name the component and field. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function expectObject(v: unknown, where: string): JsonObject {
  if (!isObject(v)) throw new AppError('invalid_tokenizer', `${where}: expected an object.`)
  return v
}

export function field<T>(o: JsonObject, key: string, where: string, check: (v: unknown) => v is T, what: string): T {
  const v = o[key]
  if (!check(v))
    throw new AppError('invalid_tokenizer', `${where}: field "${key}" must be ${what}, got ${JSON.stringify(v)?.slice(0, 80)}.`)
  return v
}

export const isBool = (v: unknown): v is boolean => typeof v === 'boolean'
export const isString = (v: unknown): v is string => typeof v === 'string'
export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0
export const isBoolOrNull = (v: unknown): v is boolean | null => v === null || typeof v === 'boolean'
export const isOptionalBool = (v: unknown): v is boolean | undefined => v === undefined || typeof v === 'boolean'

export function unsupported(kind: string, type: unknown, supported: string[]): never {
  throw new AppError(
    'unsupported_component',
    `${kind} ${JSON.stringify(type)} is not supported (supported: ${supported.join(', ')}). ` +
      'Tokenizing with an approximation would silently change ids, so this tokenizer.json cannot be published.',
  )
}
