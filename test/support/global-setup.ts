/**
 * Vitest globalSetup for the workerd project (runs in Node): builds the test
 * fixtures into `.artifacts/test-fixtures/`, which the FIXTURES service
 * binding (vitest.config.ts) serves to the tests inside workerd.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { artifactsDir } from '../../scripts/paths.ts'
import { buildTinyClassifier } from './tiny-onnx.ts'

export const fixturesDir = join(artifactsDir, 'test-fixtures')

export default function setup(): void {
  mkdirSync(fixturesDir, { recursive: true })
  writeFileSync(join(fixturesDir, 'tiny.onnx'), buildTinyClassifier())
}
