import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { useWasm } from '../trainer.ts'

/**
 * For a test file that trains: tfjs on its Wasm backend, and a scratch folder
 * removed after the file. Returns the folder's path (set before the tests run).
 */
export function trainingScratch(prefix: string): () => string {
  let dir = ''
  beforeAll(async () => {
    await useWasm()
    dir = await mkdtemp(join(tmpdir(), `${prefix}-`))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })
  return () => dir
}
