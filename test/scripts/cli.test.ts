import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm, symlink } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { main } from '../../scripts/cli.ts'
import { repoRoot, tokenizerFile } from '../../scripts/paths.ts'
import { AppError } from '../../src/core/errors.ts'

let root: string
let state: string
let dev: ChildProcess | undefined

/** Runs the CLI in-process and returns what it printed to stdout. */
async function cli(...args: string[]): Promise<string> {
  const lines: string[] = []
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
    lines.push(parts.join(' '))
  })
  const progress = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
  try {
    expect(await main(args)).toBe(0)
  } finally {
    log.mockRestore()
    progress.mockRestore()
  }
  return lines.join('\n')
}

async function generate(name: string, seed: number): Promise<string> {
  const dir = join(root, name)
  await cli('generate', '--preset', 'electra-tiny', '--seed', String(seed), '--labels', 'ham,spam', '--out', dir)
  await symlink(tokenizerFile('electra-small', 'tokenizer.json'), join(dir, 'tokenizer.json'))
  return dir
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })

/** `wrangler dev` on the state the CLI wrote, as `npm start` runs it. */
async function startDev(): Promise<string> {
  const port = await freePort()
  const child = spawn('wrangler', ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  })
  dev = child
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('wrangler dev did not start in 60 s')), 60_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready on')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.on('exit', (code) => reject(new Error(`wrangler dev exited with ${code}`)))
  })
  return `http://127.0.0.1:${port}`
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'edge-classify-cli-'))
  state = join(root, 'state')
})

afterAll(async () => {
  dev?.kill('SIGTERM')
  await rm(root, { recursive: true, force: true })
})

describe('npm run models', () => {
  it('names the fix for bad usage', async () => {
    await expect(main(['publish'])).rejects.toThrow(AppError)
    await expect(main(['publish', 'dir'])).rejects.toThrow(/--id/)
    await expect(main(['frobnicate'])).rejects.toThrow(/Unknown command "frobnicate"/)
    await expect(main(['publish', 'd', '--id', 'x', '--precision', 'int4'])).rejects.toThrow(/int8 or fp32/)
    await expect(main(['rollback', '--id', 'ghost', '--persist-to', state])).rejects.toThrow(/No model "ghost"/)
  })

  it('publishes, lists and rolls back; wrangler dev serves the active version', async () => {
    const first = await cli('publish', await generate('one', 31), '--id', 'demo', '--persist-to', state, '--min-agreement', '0.5')
    const v1 = /demo (\S+) published, active/.exec(first)?.[1]
    const second = await cli('publish', await generate('two', 32), '--id', 'demo', '--persist-to', state, '--min-agreement', '0.5')
    const v2 = /demo (\S+) published, active/.exec(second)?.[1]
    expect(v1).toBeDefined()
    expect(v2).toBeDefined()
    expect(await cli('list', '--persist-to', state)).toMatch(new RegExp(`active\\s+${v2}[\\s\\S]*${v1}`))

    expect(await cli('rollback', '--id', 'demo', '--persist-to', state)).toBe(`demo: active ${v2} -> ${v1}`)
    expect(await cli('list', '--id', 'demo', '--persist-to', state)).toMatch(new RegExp(`active\\s+${v1}`))

    const base = await startDev()
    const res = await fetch(`${base}/v1/models/demo/classify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: 'Claim your free prize now!' }),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-model-version')).toBe(v1)
    const scores = (await res.json()) as Array<{ label: string; score: number }>
    expect(scores.map((s) => s.label).sort()).toEqual(['ham', 'spam'])
    expect(scores.reduce((sum, s) => sum + s.score, 0)).toBeCloseTo(1, 6)

    // A publish shows up in the running server without a restart.
    const third = await cli('publish', await generate('three', 33), '--id', 'other', '--persist-to', state, '--min-agreement', '0.5')
    const v3 = /other (\S+) published/.exec(third)?.[1]
    const listed = (await (await fetch(`${base}/v1/models/other`)).json()) as { version: string }
    expect(listed.version).toBe(v3)
  }, 120_000)
})
