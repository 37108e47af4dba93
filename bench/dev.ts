/**
 * A Worker for the benchmarks and the load test: bundled once (so that edits
 * to src/ during a run cannot reload the isolate), served by
 * `wrangler dev --no-bundle` on a free loopback port with its own
 * `--persist-to` state, in its own process group so that stopping it stops
 * the workerd it spawns.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { repoRoot } from '../scripts/paths.ts'

const wrangler = join(repoRoot, 'node_modules', '.bin', 'wrangler')

export interface Dev {
  base: string
  child: ChildProcess
  /** wrangler's output so far (bounded) */
  log(): string
}

/** A port the OS says is free on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Bundles a Worker entry (default: wrangler.toml's main) and the ORT .wasm beside it into `outDir`; returns the bundle. */
export function bundleWorker(outDir: string, entry?: string): string {
  const args = ['deploy', '--dry-run', '--outdir', outDir, ...(entry === undefined ? [] : [entry]), '--config', 'wrangler.toml']
  execFileSync(wrangler, args, { cwd: repoRoot, stdio: 'ignore' })
  return join(outDir, 'index.js')
}

export interface DevOptions {
  /** V8 flags for workerd (Miniflare reads MINIFLARE_WORKERD_V8_FLAGS); diagnostics only */
  v8Flags?: string[]
  /** Worker vars over wrangler.toml's (`--var NAME:value`), e.g. MAX_IN_FLIGHT for an A/B */
  vars?: Record<string, string>
  /** wrangler configs to serve instead of `entry` under wrangler.toml (the suite: router first); wrangler bundles them */
  configs?: readonly string[]
}

/** Starts `wrangler dev` on `entry` and waits (at most 90 s) for /healthz. */
export async function startDev(entry: string, stateDir: string, options: DevOptions = {}): Promise<Dev> {
  const port = await freePort()
  const inspector = await freePort()
  const served =
    options.configs === undefined ? [entry, '--no-bundle', '--config', 'wrangler.toml'] : options.configs.flatMap((c) => ['-c', c])
  const args = ['dev', ...served, '--ip', '127.0.0.1', '--port', String(port)]
  args.push('--inspector-port', String(inspector), '--persist-to', stateDir, '--log-level', 'warn', '--show-interactive-dev-session=false')
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push('--var', `${name}:${value}`)
  const env = { ...process.env }
  if (options.v8Flags !== undefined && options.v8Flags.length > 0) env.MINIFLARE_WORKERD_V8_FLAGS = options.v8Flags.join(' ')
  else delete env.MINIFLARE_WORKERD_V8_FLAGS
  const child = spawn(wrangler, args, { cwd: repoRoot, detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const dev: Dev = { base: `http://127.0.0.1:${port}`, child, log: () => output }
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${output}`)
    try {
      if ((await fetch(`${dev.base}/healthz`)).ok) return dev
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  await stopDev(dev)
  throw new Error(`wrangler dev did not answer /healthz within 90 s:\n${output}`)
}

/** SIGTERM to wrangler's process group, SIGKILL after 5 s; resolves once wrangler has exited. */
export async function stopDev(dev: Dev): Promise<void> {
  const pid = dev.child.pid
  if (pid === undefined || dev.child.exitCode !== null || dev.child.signalCode !== null) return
  const exited = new Promise<void>((r) => dev.child.once('exit', () => r()))
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s)
    } catch {
      // already gone
    }
  }
  signal('SIGTERM')
  const timer = setTimeout(() => signal('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/** Resident set (bytes) of the workerd processes in wrangler's process group; null when /proc is unreadable. */
export function workerdRss(dev: Dev): number | null {
  const pgid = dev.child.pid
  try {
    let total = 0
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      let stat: string
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      } catch {
        continue
      }
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (comm !== 'workerd' || Number(fields[2]) !== pgid) continue // fields[2] = pgrp
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))
      total += Number(rss?.[1] ?? 0) * 1024
    }
    return total > 0 ? total : null
  } catch {
    return null
  }
}
