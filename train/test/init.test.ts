import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../../scripts/checkpoint/random.ts'
import { initFrom, repeatRows } from '../init.ts'
import { createModel, disposeModel } from '../model.ts'
import { trainPreset } from '../presets.ts'
import { saveHfCheckpoint } from '../trainer.ts'
import { trainingScratch } from './scratch.ts'

const scratch = trainingScratch('init')

describe('repeatRows', () => {
  it('copies the rows in order, then starts again from the first', () => {
    const table = new Float32Array([1, 2, 3, 4, 5, 6])
    expect(Array.from(repeatRows(table, 3, 2, 7))).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2])
  })
})

describe.each(['electra', 'albert'] as const)('initFrom a shorter checkpoint (%s)', (model) => {
  it('lengthens the position table by repeating its rows and loads everything else as it is', async () => {
    const short = trainPreset(`${model}-tiny`).config
    const from = createModel(short, mulberry32(1))
    const folder = join(scratch(), model)
    await saveHfCheckpoint(folder, from, 'F32')

    const rows = short.max_position_embeddings
    const long = createModel({ ...short, max_position_embeddings: rows * 2 + 3 }, mulberry32(2))
    const report = await initFrom(long, folder)
    const name = [...long.params.keys()].find((n) => n.endsWith('position_embeddings.weight')) ?? ''
    expect(report.extended).toEqual([`${name} ${rows} -> ${rows * 2 + 3}`])
    expect(report.fresh).toEqual([])

    const learned = Array.from(from.params.get(name)?.dataSync() ?? [])
    const width = learned.length / rows
    const grown = Array.from(long.params.get(name)?.dataSync() ?? [])
    expect(grown.length).toBe((rows * 2 + 3) * width)
    expect(grown.slice(0, rows * width)).toEqual(learned)
    expect(grown.slice(rows * width, 2 * rows * width)).toEqual(learned)
    expect(grown.slice(2 * rows * width)).toEqual(learned.slice(0, 3 * width))
    for (const [n, v] of from.params)
      if (n !== name) expect(Array.from(long.params.get(n)?.dataSync() ?? [])).toEqual(Array.from(v.dataSync()))

    // a longer file than the model is still a mismatch, named with both shapes
    await expect(initFrom(createModel({ ...short, max_position_embeddings: rows - 1 }, mulberry32(3)), folder)).rejects.toThrow(
      /position_embeddings.weight has shape/,
    )
    disposeModel(from)
    disposeModel(long)
  })
})
