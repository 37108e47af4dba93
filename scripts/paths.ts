import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (this file lives in scripts/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Where the shared, third-party data lives (tokenizer files and vectors). It is
 * read in place, never copied into the repository. Override with
 * EDGE_CLASSIFY_SHARED; the default is the `shared/` folder beside the checkout.
 */
export function sharedDir(): string {
  const dir = process.env.EDGE_CLASSIFY_SHARED ?? join(repoRoot, '..', 'shared')
  if (!existsSync(join(dir, 'tokenizers'))) {
    throw new Error(
      `Shared tokenizer data not found at ${dir}/tokenizers. ` +
        'Set EDGE_CLASSIFY_SHARED to the folder that holds tokenizers/ (albert-base-v2, electra-small, vectors).',
    )
  }
  return dir
}

/** A file under shared/tokenizers, e.g. tokenizerFile('electra-small', 'tokenizer.json'). */
export const tokenizerFile = (...parts: string[]): string => join(sharedDir(), 'tokenizers', ...parts)

/** Generated, git-ignored artifacts (checkpoints, ONNX graphs, benchmark scratch). */
export const artifactsDir = join(repoRoot, '.artifacts')
