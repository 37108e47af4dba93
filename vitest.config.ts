import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

/**
 * Two projects: `node` for the tokenizers, the pipeline and the schemas (plain
 * Node 22), `workerd` for everything that runs inside the Worker (real workerd
 * through Miniflare, with local R2 and KV).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.workerd.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' } })],
        test: {
          name: 'workerd',
          include: ['test/**/*.workerd.test.ts'],
          testTimeout: 60_000,
        },
      },
    ],
  },
})
