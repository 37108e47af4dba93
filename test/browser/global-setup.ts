/**
 * Vitest globalSetup for the browser project (runs in Node): serves the Worker
 * under a real `wrangler dev` with the default models and an API key, and
 * hands its address to the tests. Without Chromium it says so and how to
 * install it, and the tests skip.
 */
import type { TestProject } from 'vitest/node'
import { findChromium, MISSING_CHROMIUM } from './support/chromium.ts'
import { modelIds } from './support/models.ts'
import { startPlayground } from './support/server.ts'

/** The key the Worker under test accepts (API_KEYS). */
const API_KEY = 'browser-test-key'

declare module 'vitest' {
  export interface ProvidedContext {
    /** the Worker under test; null when the browser tests are skipped */
    playground: { base: string; apiKey: string; models: string[] } | null
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (findChromium() === undefined) {
    console.warn(`\n${MISSING_CHROMIUM}\n`)
    project.provide('playground', null)
    return undefined
  }
  const playground = await startPlayground({ apiKeys: API_KEY, onProgress: (m) => console.log(`browser tests: ${m}`) })
  project.provide('playground', { base: playground.base, apiKey: API_KEY, models: [...modelIds] })
  return () => playground.stop()
}
