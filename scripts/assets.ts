/**
 * wrangler.toml's build command: copies Swagger UI's browser files from
 * node_modules/swagger-ui-dist into public/docs/vendor/, so that /docs is
 * served from the Worker's own static assets (a deployed Worker and the
 * tests may not reach a CDN). A file already equal is left alone, so that
 * `wrangler dev`'s watcher sees no change.
 *
 *   node scripts/assets.ts
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { repoRoot } from './paths.ts'

/** What /docs loads, and the licence that has to travel with it. */
const FILES = ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE'] as const

const source = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
const target = join(repoRoot, 'public', 'docs', 'vendor')
await mkdir(target, { recursive: true })
for (const file of FILES) {
  const bytes = readFileSync(join(source, file))
  const out = join(target, file)
  if (existsSync(out) && readFileSync(out).equals(bytes)) continue
  await writeFile(out, bytes)
}
