/**
 * Sweeps onnxruntime-web session options for Wasm memory, in Node, one fresh
 * process per configuration (Wasm memory never shrinks, so configurations
 * cannot share an instance). Same .wasm and allocator as in workerd; the
 * workerd figure for the chosen defaults comes from
 * test/ort/memory.workerd.test.ts.
 *
 *   node test/support/full-models.ts && node test/support/measure-memory.ts
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { memoryModelsDir } from './full-models.ts'
import { ortWithHeap } from '../../bench/ort-heap.ts'

interface Config {
  name: string
  variant: string
  options: { graphOptimizationLevel: string; enableCpuMemArena: boolean; enableMemPattern: boolean; prepacking: boolean }
  batch: [number, number]
}

const base = { graphOptimizationLevel: 'all', enableCpuMemArena: false, enableMemPattern: false, prepacking: false }

const CONFIGS: Config[] = [
  {
    name: 'ORT defaults (arena, mem pattern, prepacking on)',
    variant: 'int8',
    options: { graphOptimizationLevel: 'all', enableCpuMemArena: true, enableMemPattern: true, prepacking: true },
    batch: [8, 128],
  },
  { name: 'arena + mem pattern + prepacking off (chosen)', variant: 'int8', options: base, batch: [8, 128] },
  { name: 'chosen, optimization basic', variant: 'int8', options: { ...base, graphOptimizationLevel: 'basic' }, batch: [8, 128] },
  { name: 'chosen, fp32 embeddings', variant: 'int8-fp32-embeddings', options: base, batch: [8, 128] },
  { name: 'chosen', variant: 'int8', options: base, batch: [16, 64] },
  { name: 'chosen', variant: 'int8', options: base, batch: [4, 256] },
  { name: 'chosen', variant: 'int8', options: base, batch: [2, 512] },
  { name: 'chosen', variant: 'int8', options: base, batch: [1, 512] },
  { name: 'chosen', variant: 'int8', options: base, batch: [16, 128] },
  { name: 'chosen', variant: 'int8', options: base, batch: [16, 512] },
]

const MB = (n: number) => Math.round((n / 2 ** 20) * 10) / 10

async function child(config: Config): Promise<void> {
  const { ort, heapBytes } = await ortWithHeap()
  const o = config.options
  const options = {
    executionProviders: ['wasm'],
    graphOptimizationLevel: o.graphOptimizationLevel as 'all',
    enableCpuMemArena: o.enableCpuMemArena,
    enableMemPattern: o.enableMemPattern,
    extra: { session: { disable_prepacking: o.prepacking ? '0' : '1' } },
  }
  const row: Record<string, number> = {}
  const [b, t] = config.batch
  const feed = (fill: (i: number) => number) =>
    new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: b * t }, (_, i) => BigInt(fill(i))),
      [b, t],
    )
  for (const name of ['electra-small', 'albert-base']) {
    let bytes: Uint8Array | undefined = readFileSync(join(memoryModelsDir, `${name}.${config.variant}.onnx`))
    const session = await ort.InferenceSession.create(bytes, options)
    bytes = undefined
    row[`${name} loaded`] = MB(heapBytes())
    await session.run({
      input_ids: feed((i) => 1000 + (i % 997)),
      attention_mask: feed(() => 1),
      token_type_ids: feed(() => 0),
    })
    row[`${name} +batch`] = MB(heapBytes())
  }
  console.log(JSON.stringify(row))
}

if (process.argv[2] === '--child') {
  const config = CONFIGS[Number(process.argv[3])]
  if (config) await child(config)
} else {
  const self = fileURLToPath(import.meta.url)
  console.log('| configuration | model variant | batch | ELECTRA loaded | ELECTRA + batch | + ALBERT loaded | + ALBERT batch |')
  console.log('|---|---|---|---|---|---|---|')
  CONFIGS.forEach((c, i) => {
    const out =
      execFileSync(process.execPath, [self, '--child', String(i)], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .pop() ?? '{}'
    const r = JSON.parse(out) as Record<string, number>
    console.log(
      `| ${c.name} | ${c.variant} | ${c.batch.join('x')} | ${r['electra-small loaded']} | ${r['electra-small +batch']} | ${r['albert-base loaded']} | ${r['albert-base +batch']} |`,
    )
  })
}
