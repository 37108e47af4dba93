import { describe, expect, it } from 'vitest'
import { type Example, labelOf, prepareExamples, type RawEmail, stratifiedSplit } from '../data.ts'

const email = (group: string, id: string, body: string): RawEmail => ({ group, id, text: `From: x@y\nSubject: ${id}\n\n${body}` })

describe('prepareExamples', () => {
  it('labels spam groups 1 and ham groups 0', () => {
    expect([labelOf('spam-1'), labelOf('spam-2'), labelOf('easy-ham-1'), labelOf('hard-ham-1')]).toEqual([1, 1, 0, 0])
  })
  it('keeps the first of duplicate bodies, drops empty ones and bodies seen under both labels', () => {
    const { examples, stats } = prepareExamples([
      email('easy-ham-1', '1', 'hello friend'),
      email('easy-ham-2', '2', 'hello   friend'), // same body once whitespace is normalised
      email('spam-1', '3', ''),
      email('spam-1', '4', 'conflict'),
      email('easy-ham-1', '5', 'conflict'),
      email('spam-2', '6', 'buy now'),
    ])
    expect(examples.map((e) => [e.source, e.label])).toEqual([
      ['easy-ham-1/1', 0],
      ['spam-2/6', 1],
    ])
    expect(stats).toEqual({ raw: 6, empty: 1, duplicates: 2, conflicting: 1, kept: 2, spam: 1 })
  })
})

describe('stratifiedSplit', () => {
  const examples: Example[] = Array.from({ length: 200 }, (_, i) => ({ source: `g/${i}`, text: `t${i}`, label: i % 4 === 0 ? 1 : 0 }))

  it('partitions every example once with the label ratio kept in each split', () => {
    const s = stratifiedSplit(examples, 7)
    const all = [...s.train, ...s.validation, ...s.test].map((e) => e.source).sort()
    expect(all).toEqual(examples.map((e) => e.source).sort())
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([160, 20, 20])
    for (const part of [s.train, s.validation, s.test]) expect(part.filter((e) => e.label === 1).length / part.length).toBe(0.25)
  })
  it('depends only on the seed', () => {
    const a = stratifiedSplit(examples, 7)
    expect(stratifiedSplit(examples, 7)).toEqual(a)
    expect(stratifiedSplit(examples, 8).test.map((e) => e.source)).not.toEqual(a.test.map((e) => e.source))
  })
})
