import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../scripts/paths.ts'

/**
 * The layout's promises, checked on the source text: the Worker (src/) uses
 * Web APIs only, onnxruntime-web has one importer, the pipeline stays out of
 * the Worker's I/O, and no module imports itself in a cycle.
 */

const tsFiles = (dir: string): string[] =>
  readdirSync(join(repoRoot, dir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f))

/** Module specifiers of static and dynamic imports and re-exports. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), 'utf8')
  const specs: string[] = []
  const patterns = [/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm, /^\s*import\s+['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g]
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) if (m[1] !== undefined) specs.push(m[1])
  return specs
}

const resolveLocal = (from: string, spec: string): string | undefined =>
  spec.startsWith('.') ? relative(repoRoot, resolve(repoRoot, dirname(from), spec)) : undefined

const NODE_ONLY = new Set(['onnxruntime-node', 'wrangler', 'miniflare', 'vitest', 'fast-check', '@cloudflare/vitest-plugin'])

describe('the Worker (src/)', () => {
  const files = tsFiles('src')

  it('imports no node: modules, no scripts/ and no Node-only packages', () => {
    const offenders = files.flatMap((file) =>
      importsOf(file)
        .filter((spec) => {
          const local = resolveLocal(file, spec)
          if (local !== undefined) return !local.startsWith('src/') && !local.startsWith('node_modules/')
          return spec.startsWith('node:') || NODE_ONLY.has(spec)
        })
        .map((spec) => `${file} imports ${spec}`),
    )
    expect(offenders).toEqual([])
  })

  it('leaves onnxruntime-web to src/ort/ort.ts', () => {
    const importers = files.filter((file) => importsOf(file).some((spec) => spec.startsWith('onnxruntime-web')))
    expect(importers).toEqual([join('src', 'ort', 'ort.ts')])
  })

  it('never evaluates code from strings (Workers forbid it)', () => {
    const offenders = files.filter((file) => /\beval\s*\(|new\s+Function\s*\(/.test(readFileSync(join(repoRoot, file), 'utf8')))
    expect(offenders).toEqual([])
  })
})

describe('the pipeline (scripts/)', () => {
  it("stays out of the Worker's routes, storage and ORT glue", () => {
    const forbidden = ['src/routes/', 'src/storage/', 'src/middleware/', 'src/ort/ort.ts', 'src/index.ts']
    const offenders = tsFiles('scripts').flatMap((file) =>
      importsOf(file)
        .map((spec) => resolveLocal(file, spec))
        .filter((local): local is string => local !== undefined && forbidden.some((f) => local.startsWith(f)))
        .map((local) => `${file} imports ${local}`),
    )
    expect(offenders).toEqual([])
  })
})

describe('modules', () => {
  it('have no import cycles', () => {
    const files = [...tsFiles('src'), ...tsFiles('scripts')]
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
