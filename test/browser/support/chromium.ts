/**
 * The system Chromium (Debian's `chromium` package), driven by playwright-core
 * through `executablePath`: no browser download. Each launch gets a fresh
 * profile, and the flags keep it off the network beyond the page under test.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { BrowserContext } from 'playwright-core'

/** Where Chromium is looked for unless CHROMIUM_PATH names it: Debian's path, then other distributions'. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser']

/** The Chromium executable (CHROMIUM_PATH when set, used as given), or undefined when there is none. */
export function findChromium(): string | undefined {
  const given = process.env.CHROMIUM_PATH
  const paths = given === undefined || given === '' ? CANDIDATES : [given]
  return paths.find((path) => existsSync(path))
}

/** What `npm test` prints when the browser tests cannot run. */
export const MISSING_CHROMIUM =
  `Browser tests SKIPPED: no Chromium at ${process.env.CHROMIUM_PATH || CANDIDATES.join(' or ')}. ` +
  'Install it with `apt-get install chromium` (Debian/Ubuntu), or set CHROMIUM_PATH, to run test/browser/.'

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface Browser {
  context: BrowserContext
  close(): Promise<void>
}

/** Headless Chromium with a throwaway profile; `close()` removes the profile. */
export async function launchChromium(viewport = { width: 1100, height: 900 }): Promise<Browser> {
  const executablePath = findChromium()
  if (executablePath === undefined) throw new Error(MISSING_CHROMIUM)
  const profile = await mkdtemp(join(tmpdir(), 'edge-classify-chromium-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: FLAGS, viewport })
  return {
    context,
    async close() {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}
