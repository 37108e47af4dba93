import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../scripts/paths.ts'

/**
 * The layout's promises, checked on the source text. Folders name who may
 * import whom: src/core/ (pure, shared) below everything; the Worker (the
 * rest of src/) and the Node pipeline (scripts/) on top of it and never of
 * each other; train/ and bench/ on top of those. The Worker uses Web APIs
 * only, onnxruntime-web has one importer, and no module imports itself in a
 * cycle.
 */

const tsFiles = (dir: string): string[] =>
  readdirSync(join(repoRoot, dir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.split(/[\\/]/).includes('node_modules'))
    .map((f) => join(dir, f))

/** Module specifiers of static and dynamic imports and re-exports. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), 'utf8')
  const specs: string[] = []
  const patterns = [
    /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ]
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) if (m[1] !== undefined) specs.push(m[1])
  return specs
}

const resolveLocal = (from: string, spec: string): string | undefined =>
  spec.startsWith('.') ? relative(repoRoot, resolve(repoRoot, dirname(from), spec)) : undefined

/** The layer a repository path belongs to. */
type Layer = 'core' | 'worker' | 'pipeline' | 'train' | 'bench' | 'other'
const layerOf = (path: string): Layer =>
  path.startsWith('src/core/')
    ? 'core'
    : path.startsWith('src/')
      ? 'worker'
      : path.startsWith('scripts/')
        ? 'pipeline'
        : path.startsWith('train/')
          ? 'train'
          : path.startsWith('bench/')
            ? 'bench'
            : 'other'

/** What each layer may import from the repository (packages are checked separately). */
const MAY_IMPORT: Record<Exclude<Layer, 'other'>, readonly Layer[]> = {
  core: ['core'],
  worker: ['core', 'worker'],
  pipeline: ['core', 'pipeline'],
  train: ['core', 'pipeline', 'train'],
  // The benchmark measures the Worker itself and batches the training corpus, so it may build on both.
  bench: ['core', 'worker', 'pipeline', 'train', 'bench'],
}

const NODE_ONLY = new Set(['onnxruntime-node', 'wrangler', 'miniflare', 'vitest', 'fast-check', '@cloudflare/vitest-plugin'])

describe('the layers', () => {
  for (const [layer, allowed] of Object.entries(MAY_IMPORT)) {
    const dir = { core: 'src/core', worker: 'src', pipeline: 'scripts', train: 'train', bench: 'bench' }[layer as Exclude<Layer, 'other'>]
    it(`${dir}/ imports only from ${allowed.join(', ')}`, () => {
      const files = tsFiles(dir).filter((f) => layerOf(f) === layer && !f.includes(`${sep}test${sep}`))
      const offenders = files.flatMap((file) =>
        importsOf(file)
          .map((spec) => resolveLocal(file, spec))
          .filter(
            (local): local is string =>
              local !== undefined && !local.startsWith('node_modules') && !local.includes(`${sep}node_modules${sep}`),
          )
          .filter((local) => !allowed.includes(layerOf(local)) && !local.startsWith('..'))
          .map((local) => `${file} imports ${local}`),
      )
      expect(offenders).toEqual([])
    })
  }
})

describe('the Worker and the core (src/)', () => {
  const files = tsFiles('src')

  it('import no node: modules and no Node-only packages', () => {
    const offenders = files.flatMap((file) =>
      importsOf(file)
        .filter((spec) => spec.startsWith('node:') || NODE_ONLY.has(spec))
        .map((spec) => `${file} imports ${spec}`),
    )
    expect(offenders).toEqual([])
  })

  it('keep the core free of bindings (cloudflare:*)', () => {
    const offenders = tsFiles('src/core').flatMap((file) =>
      importsOf(file)
        .filter((spec) => spec.startsWith('cloudflare:'))
        .map((spec) => `${file} imports ${spec}`),
    )
    expect(offenders).toEqual([])
  })

  it('leave onnxruntime-web to src/ort/ort.ts', () => {
    const importers = files.filter((file) => importsOf(file).some((spec) => spec.startsWith('onnxruntime-web')))
    expect(importers).toEqual([join('src', 'ort', 'ort.ts')])
  })

  it('never evaluate code from strings (Workers forbid it)', () => {
    const offenders = files.filter((file) => /\beval\s*\(|new\s+Function\s*\(/.test(readFileSync(join(repoRoot, file), 'utf8')))
    expect(offenders).toEqual([])
  })
})

describe('modules', () => {
  it('have no import cycles', () => {
    const files = [...tsFiles('src'), ...tsFiles('scripts'), ...tsFiles('train'), ...tsFiles('bench')]
    const graph = new Map(
      files.map((file) => [
        file,
        importsOf(file)
          .map((spec) => resolveLocal(file, spec))
          .filter((local): local is string => local !== undefined && local.endsWith('.ts')),
      ]),
    )
    const cycles: string[] = []
    const state = new Map<string, 'visiting' | 'done'>()
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '))
        return
      }
      state.set(file, 'visiting')
      for (const next of graph.get(file) ?? []) visit(next, [...path, file])
      state.set(file, 'done')
    }
    for (const file of files) visit(file, [])
    expect(cycles).toEqual([])
  })
})
