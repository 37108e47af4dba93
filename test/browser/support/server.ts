/**
 * A real `wrangler dev` for the browser: the Worker bundled once (so that
 * edits to src/ during a run cannot reload its isolate), its static assets
 * from public/, the default models in local R2/KV (support/models.ts), on a
 * free loopback port.
 */
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
  const entry = bundleWorker(join(browserDir, 'bundle'))
  const vars: Record<string, string> = options.apiKeys === undefined ? {} : { API_KEYS: options.apiKeys }
  const dev = await startDev(entry, stateDir, { vars })
  return { base: dev.base, stop: () => stopDev(dev) }
}
