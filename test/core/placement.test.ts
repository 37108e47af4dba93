import { describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG, MiB } from '../../src/core/config.ts'
import { placedOn, placeModel, servesHere } from '../../src/core/placement.ts'

const sized = (sessionMiB: number, peakMiB = sessionMiB + 10, weightsMiB = 10) => ({
  footprint: { session_bytes: sessionMiB * MiB, peak_bytes: peakMiB * MiB },
  weights: { size: weightsMiB * MiB },
})

describe('placeModel', () => {
  const budget = 112 * MiB
  const baseline = 16 * MiB

  it('picks the Worker with the most room left, the first of equals', () => {
    const workers = [
      { name: 'a', versions: [sized(30), sized(20)] },
      { name: 'b', versions: [sized(30)] },
      { name: 'c', versions: [sized(30)] },
    ]
    expect(placeModel(sized(20), workers, budget, baseline)).toEqual({ worker: 'b', fits: true })
  })

  it('says when no Worker holds all its models with the new one, naming the least over', () => {
    const workers = [
      { name: 'a', versions: [sized(40), sized(40)] },
      { name: 'b', versions: [sized(60)] },
    ]
    // a: 16 + 120 sessions + 10 scratch + 10 weights = 156 MiB; b: 16 + 100 + 10 + 10 = 136 MiB; both over 112.
    expect(placeModel(sized(40), workers, budget, baseline)).toEqual({ worker: 'b', fits: false })
  })

  it('of Workers with equal room, takes the one with the fewest weight bytes placed', () => {
    const zero = { footprint: { session_bytes: 0, peak_bytes: 0 }, weights: { size: MiB } }
    const workers = [
      { name: 'a', versions: [zero, zero] },
      { name: 'b', versions: [zero] },
    ]
    expect(placeModel(zero, workers, budget, baseline)).toEqual({ worker: 'b', fits: true })
  })

  it('has no answer without a Worker', () => {
    expect(placeModel(sized(10), [], budget, baseline)).toBeUndefined()
  })
})

describe('placedOn and servesHere', () => {
  const workers = [
    { name: 'w-a', binding: 'A' },
    { name: 'w-b', binding: 'B' },
  ]

  it('take the named Worker, the first when none is named, and nothing for a name outside the suite', () => {
    expect([placedOn(workers, 'w-b')?.name, placedOn(workers, undefined)?.name, placedOn(workers, null)?.name]).toEqual([
      'w-b',
      'w-a',
      'w-a',
    ])
    expect(placedOn(workers, 'w-gone')).toBeUndefined()
  })

  it('let each suite Worker serve only its own models, and the one-Worker layout every model', () => {
    const a = { ...DEFAULT_CONFIG, modelWorkers: workers, workerName: 'w-a' }
    const b = { ...a, workerName: 'w-b' }
    expect([servesHere(a, {}), servesHere(a, { worker: 'w-b' }), servesHere(b, { worker: 'w-b' }), servesHere(b, {})]).toEqual([
      true,
      false,
      true,
      false,
    ])
    expect(servesHere(DEFAULT_CONFIG, { worker: 'w-b' })).toBe(true)
  })
})
