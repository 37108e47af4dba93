import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

const fixturesDir = join(import.meta.dirname, '.artifacts', 'test-fixtures')

/**
 * Three projects: `node` for the tokenizers, the pipeline and the schemas (plain
 * Node 22), `workerd` for everything that runs inside the Worker (real workerd
 * through Miniflare, with local R2 and KV), `browser` for the playground and
 * the API docs in Chromium against `wrangler dev`.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts', 'train/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
          exclude: ['test/**/*.workerd.test.ts', 'test/browser/**'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          // Serves the Worker under `wrangler dev`; without Chromium it says how to install it, and the tests skip.
          globalSetup: ['test/browser/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              // The fixture models (test/support/fixture-models.ts) stand in for the defaults.
              // A zero TTL re-checks manifests on every request, so version swaps show at once;
              // a zero retry lets a fault test see recovery on its next request.
              bindings: { DEFAULT_MODELS: 'electra-tiny,albert-tiny', MANIFEST_TTL_SECONDS: '0', FAILED_LOAD_RETRY_SECONDS: '0' },
              // Test-only: serves the fixtures test/support/global-setup.ts built
              // (real models and tokenizers) to the tests inside workerd.
              serviceBindings: {
                FIXTURES: async (request) => {
                  const name = new URL(request.url).pathname.slice(1)
                  if (!/^[a-z0-9._-]+$/.test(name)) return new Response('bad fixture name', { status: 400 })
                  try {
                    return new Response(await readFile(join(fixturesDir, name)))
                  } catch {
                    return new Response(`no fixture ${name}`, { status: 404 })
                  }
                },
              },
            },
          }),
        ],
        test: {
          name: 'workerd',
          include: ['test/**/*.workerd.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
})
