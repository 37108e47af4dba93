import { rm, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { generateCheckpoint } from '../../scripts/checkpoint/generate.ts'
import { tokenizerFile } from '../../scripts/paths.ts'
import { type BuiltVersion, buildVersion } from '../../scripts/publish/index.ts'
import type { FixtureModel } from './fixture-models.ts'

/**
 * A fixture model built as `publish` builds it (scripts/publish
 * `buildVersion`: seeded checkpoint, convert, int8, verify, and smoke cases
 * when asked), under the fixture's fixed version name, its checkpoint in
 * `<dir>/checkpoints/<id>`.
 */
export async function buildFixture(
  model: FixtureModel,
  dir: string,
  options: { smoke?: boolean; description?: string } = {},
): Promise<BuiltVersion> {
  const checkpoint = join(dir, 'checkpoints', model.id)
  await rm(checkpoint, { recursive: true, force: true })
  await generateCheckpoint({
    preset: model.preset,
    id2label: model.id2label,
    seed: model.seed,
    outDir: checkpoint,
    config: { problem_type: model.problem_type },
  })
  await symlink(tokenizerFile(model.tokenizer, 'tokenizer.json'), join(checkpoint, 'tokenizer.json'))
  return buildVersion(checkpoint, {
    max_length: model.max_length,
    // Seeded tiny models have narrow margins; agreement is the quantizer tests' concern.
    minAgreement: 0,
    randomWeights: true,
    smoke: options.smoke ?? false,
    ...(options.description === undefined ? {} : { description: options.description }),
    version: model.version,
    created_at: '2026-01-01T00:00:00.000Z',
  })
}
