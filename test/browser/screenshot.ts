/**
 * `npm run screenshot`: the README's picture of the playground
 * (docs/playground.png), taken the way a newcomer sees it after `npm start`:
 * no API key, the first default model, the spam example classified.
 *
 *   node test/browser/screenshot.ts [--out docs/playground.png]
 */
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { repoRoot } from '../../scripts/paths.ts'
import { launchChromium } from './support/chromium.ts'
import { modelIds } from './support/models.ts'
import { startPlayground } from './support/server.ts'

const { values } = parseArgs({ options: { out: { type: 'string', default: 'docs/playground.png' } } })
const out = join(repoRoot, values.out ?? 'docs/playground.png')

const playground = await startPlayground({ onProgress: (m) => console.error(m) })
try {
  const browser = await launchChromium({ width: 960, height: 900 })
  try {
    const page = await browser.context.newPage()
    await page.goto(`${playground.base}/`)
    await page.locator('#models tbody tr').first().waitFor()
    // Loaded once first, so the picture shows warm timings rather than the cold load.
    await page.selectOption('#model', modelIds[0] ?? '')
    for (let i = 0; i < 2; i++) {
      await page.click('#classify')
      await page.locator('#result').waitFor({ state: 'visible' })
      await page.locator('#classify:enabled').waitFor()
    }
    await page.screenshot({ path: out, fullPage: true })
    console.error(`wrote ${out}`)
  } finally {
    await browser.close()
  }
} finally {
  await playground.stop()
}
