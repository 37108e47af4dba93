import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { repoRoot } from '../scripts/paths.ts'
import type { HfConfig } from '../scripts/convert/config.ts'
import { encodeExamples, sharedTokenizer } from './batches.ts'
import { loadSplits } from './data.ts'
import type { TrainPreset } from './presets.ts'
import { selectionScore } from './trainer.ts'
import { soupRun } from './soup.ts'
import { generatedValidation, validationViews } from './view-batches.ts'

/**
 * `npm run train -- soup --model albert --ingredient DIR --ingredient DIR ... [--out DIR]`:
 * a greedy soup of HF checkpoint folders of one model, chosen on the same
 * validation sets as a views run with generated messages (whole bodies, their
 * short views, `generatedValidation`'s messages), at the checkpoints' own
 * length. Returns the exit code: 2 for a bad command line, 1 when the soup fails.
 */
export async function soupCommand(o: {
  preset: TrainPreset
  dir: string
  ingredients: readonly string[]
  fresh: boolean
  log: (line: string) => void
}): Promise<number> {
  const fail = (message: string): number => {
    console.error(message)
    return 2
  }
  const dirs = o.ingredients.map((d) => resolve(d))
  if (dirs.length < 2) return fail('soup: give two or more checkpoint folders, each with --ingredient DIR')
  if (new Set(dirs).size !== dirs.length) return fail('soup: an --ingredient folder is given twice; give each checkpoint once')
  for (const d of dirs)
    if (!existsSync(join(d, 'config.json')) || !existsSync(join(d, 'model.safetensors')))
      return fail(
        `soup: ${d} is not an HF checkpoint folder (config.json and model.safetensors); give a run's best/ or a models/<id>/ folder`,
      )
  const config = JSON.parse(await readFile(join(dirs[0] ?? '', 'config.json'), 'utf8')) as HfConfig
  if (config.model_type !== o.preset.config.model_type)
    return fail(
      `soup: ${dirs[0]} holds a model_type "${config.model_type}" checkpoint and --model ${o.preset.id} is not one; pass the --model it was trained as`,
    )
  const maxLength = config.max_position_embeddings
  const tokenizer = sharedTokenizer(o.preset.tokenizer)
  const validation = loadSplits().validation
  const name = (d: string): string => relative(repoRoot, d) || d
  try {
    const report = await soupRun({
      ingredients: dirs.map((dir) => ({ name: name(dir), dir })),
      dir: o.dir,
      sets: {
        validation: encodeExamples(tokenizer, validation, maxLength),
        views: validationViews(tokenizer, validation, maxLength),
        generated: generatedValidation(tokenizer, maxLength),
      },
      padId: tokenizer.pad_id,
      log: o.log,
      fresh: o.fresh,
    })
    o.log(
      `soup of ${report.kept.length} of ${dirs.length}: ${report.kept.join(', ')}; ` +
        `score ${(selectionScore(report.soup) * 100).toFixed(2)} -> ${join(name(o.dir), 'best')}`,
    )
    return 0
  } catch (e) {
    console.error(`soup: ${e instanceof Error ? e.message : String(e)}`)
    return 1
  }
}
