import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { convertCheckpoint } from '../scripts/convert/index.ts'
import { openNodeSession } from '../scripts/ort/node.ts'
import { MAX_CHARS, sharedTokenizer } from './batches.ts'
import { softTargets, type TeacherTargets } from './distill.ts'
import { sessionLogits } from './evaluate.ts'
import { trainPreset } from './presets.ts'

/** The shared tokenizer folder of a teacher's model type (the two trained families). */
const teacherTokenizer = (modelType: string, dir: string): string => {
  if (modelType !== 'electra' && modelType !== 'albert')
    throw new Error(`--teacher ${dir}: model_type "${modelType}" has no shared tokenizer here; give an electra or albert checkpoint`)
  return trainPreset(modelType).tokenizer
}

/**
 * Opens an HF checkpoint folder as a teacher: converted to fp32 ONNX and run
 * on onnxruntime-node with one thread, each row's text encoded with the
 * teacher's own tokenizer.
 */
export async function openTeacher(dir: string, temperature: number): Promise<{ targets: TeacherTargets; release: () => Promise<void> }> {
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { model_type: string; max_position_embeddings: number }
  const tokenizer = sharedTokenizer(teacherTokenizer(config.model_type, dir))
  const session = await openNodeSession((await convertCheckpoint(dir)).onnx)
  return {
    targets: async (rows) => {
      // the row's text is what the student read; the teacher's own length only guards its position table
      const encoded = rows.map((r) => ({
        ids: tokenizer.encode({ text: r.text.slice(0, MAX_CHARS) }, { max_length: config.max_position_embeddings, truncation: true }).ids,
        label: r.label,
      }))
      const logits = await sessionLogits(session, encoded, tokenizer.pad_id, rows.length)
      if (logits.length !== rows.length || logits.some((l) => l.length !== 2))
        throw new Error(`--teacher ${dir}: expected 2 logits for each of ${rows.length} rows; give a 2-label (ham/spam) checkpoint`)
      return softTargets(logits, temperature)
    },
    release: () => session.release(),
  }
}
