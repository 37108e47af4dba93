/**
 * Writes the SVG charts of a benchmark report beside it:
 * `bench/results/latest.json` gives `latest-latency.svg`, `latest-cold-start.svg`
 * and `latest-memory.svg`. `npm run bench` calls `writeCharts` after writing
 * its report; run alone, it redraws them from the JSON:
 *
 *   node bench/charts-cli.ts [bench/results/latest.json]
 */
import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { repoRoot } from '../scripts/paths.ts'
import { renderCharts } from './charts.ts'
import type { ChartInput } from './charts.ts'

/** Chart files for the report at `jsonPath` (`<name>.json` gives `<name>-<chart>.svg`). */
export function chartPaths(jsonPath: string, names: readonly string[]): string[] {
  const stem = jsonPath.replace(/\.json$/, '')
  return names.map((name) => `${stem}-${name}.svg`)
}

/** Renders the charts of the report at `jsonPath` and writes them beside it; returns their paths. */
export async function writeCharts(jsonPath: string): Promise<string[]> {
  const report = JSON.parse(await readFile(jsonPath, 'utf8')) as ChartInput
  const charts = renderCharts(report)
  const paths = chartPaths(
    jsonPath,
    charts.map((c) => c.name),
  )
  await Promise.all(charts.map((c, i) => writeFile(paths[i] ?? '', c.svg)))
  return paths
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const json = resolve(repoRoot, process.argv[2] ?? 'bench/results/latest.json')
  for (const path of await writeCharts(json)) console.error(`wrote ${path}`)
}
