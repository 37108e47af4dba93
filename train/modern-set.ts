import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../scripts/paths.ts'

/**
 * The modern-message evaluation set: messages written for this
 * project in the style of today's mail and texts, never used for training or
 * model selection (docs/training.md, "The modern set"). One JSON object per
 * line in train/modern-set.jsonl.
 */

export const MODERN_CATEGORIES = ['personal', 'business', 'transactional', 'newsletter', 'phishing', 'scam', 'marketing'] as const
export type ModernCategory = (typeof MODERN_CATEGORIES)[number]

/** One message of the set. */
export interface ModernMessage {
  /** `<label>-<category>-<nn>` */
  id: string
  label: 'ham' | 'spam'
  category: ModernCategory
  /** "short": one to three lines; "long": several paragraphs */
  length: 'short' | 'long'
  text: string
}

export const MODERN_SET_FILE = join(repoRoot, 'train', 'modern-set.jsonl')

const HAM: readonly ModernCategory[] = ['personal', 'business', 'transactional', 'newsletter']

const isMessage = (v: unknown): v is ModernMessage => {
  if (typeof v !== 'object' || v === null) return false
  const m = v as Record<string, unknown>
  return (
    typeof m.id === 'string' &&
    (m.label === 'ham' || m.label === 'spam') &&
    typeof m.text === 'string' &&
    m.text.length > 0 &&
    (m.length === 'short' || m.length === 'long') &&
    MODERN_CATEGORIES.some((c) => c === m.category)
  )
}

/** Parses the set, checking every line's shape, that ids are unique and that each category has its label. */
export function parseModernSet(jsonl: string, source = MODERN_SET_FILE): ModernMessage[] {
  const out: ModernMessage[] = []
  const ids = new Set<string>()
  jsonl.split('\n').forEach((line, i) => {
    if (line.trim() === '') return
    const v: unknown = JSON.parse(line)
    if (!isMessage(v)) throw new Error(`${source}:${i + 1}: expected {id, label: ham|spam, category, length: short|long, text}`)
    if (ids.has(v.id)) throw new Error(`${source}:${i + 1}: duplicate id ${v.id}`)
    if ((v.label === 'ham') !== HAM.includes(v.category))
      throw new Error(`${source}:${i + 1}: category ${v.category} does not go with label ${v.label}`)
    ids.add(v.id)
    out.push(v)
  })
  return out
}

/** The committed set. */
export const loadModernSet = (path = MODERN_SET_FILE): ModernMessage[] => parseModernSet(readFileSync(path, 'utf8'), path)

/** Label as the classifier's class index (id2label {0: ham, 1: spam}). */
export const labelIndex = (m: ModernMessage): 0 | 1 => (m.label === 'spam' ? 1 : 0)
