/**
 * A real `wrangler dev` for the browser: the Worker bundled once (so that
 * edits to src/ during a run cannot reload its isolate), its static assets
 * from public/, the default models in local R2/KV (support/models.ts), on a
 * free loopback port.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { bundleWorker, startDev, stopDev } from '../../../bench/dev.ts'
import { browserDir, publishModels, stateDir } from './models.ts'

export interface Playground {
  /** e.g. http://127.0.0.1:40123 */
  base: string
  stop(): Promise<void>
}

export interface PlaygroundOptions {
  /** sets the API_KEYS var (comma-separated keys); unset serves without auth, as `npm start` does */
  apiKeys?: string
  onProgress?: (message: string) => void
}

/** Publishes the models when stale, then serves the Worker until `stop()`. */
export async function startPlayground(options: PlaygroundOptions = {}): Promise<Playground> {
  await publishModels(options.onProgress)
  options.onProgress?.('bundling the Worker and starting wrangler dev')
  // One bundle folder per process, so that a test run and `npm run screenshot` never share one.
  const bundleDir = join(browserDir, `bundle-${process.pid}`)
  const vars: Record<string, string> = options.apiKeys === undefined ? {} : { API_KEYS: options.apiKeys }
  try {
    const dev = await startDev(bundleWorker(bundleDir), stateDir, { vars })
    return {
      base: dev.base,
      async stop() {
        await stopDev(dev)
        await rm(bundleDir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await rm(bundleDir, { recursive: true, force: true })
    throw error
  }
}
