import { readFile } from 'node:fs/promises'
import type { EncodeInput } from '../../src/core/tokenizers/types.ts'

/**
 * Reads sample inputs for verification: JSON Lines of `{"text", "text_pair"?}`
 * objects, or plain text with one input per line (blank lines skipped).
 */
export async function readTexts(path: string): Promise<EncodeInput[]> {
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/).filter((line) => line.trim() !== '')
  if (lines.length === 0) throw new Error(`${path} has no texts: write one text per line, or JSON Lines {"text": "..."}.`)
  return lines.map((line, i) => {
    if (!line.trimStart().startsWith('{')) return { text: line }
    const value: unknown = JSON.parse(line)
    if (typeof value !== 'object' || value === null || typeof (value as { text?: unknown }).text !== 'string') {
      throw new Error(`${path}:${i + 1}: expected {"text": string, "text_pair"?: string}.`)
    }
    const { text, text_pair } = value as { text: string; text_pair?: unknown }
    return typeof text_pair === 'string' ? { text, text_pair } : { text }
  })
}
