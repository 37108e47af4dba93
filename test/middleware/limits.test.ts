import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, parseLimits } from '../../src/middleware/limits.ts'

describe('parseLimits', () => {
  it('reads the wrangler vars and falls back to the defaults', () => {
    expect(parseLimits({})).toEqual(DEFAULT_LIMITS)
    expect(parseLimits({ MAX_BATCH: '4', MAX_LENGTH: '128' })).toEqual({ ...DEFAULT_LIMITS, maxBatch: 4, maxLength: 128 })
  })

  it('names a var that is not a positive integer', () => {
    expect(() => parseLimits({ MAX_BATCH: 'many' })).toThrow(/MAX_BATCH.*"many"/)
    expect(() => parseLimits({ MAX_BODY_BYTES: '0' })).toThrow(/MAX_BODY_BYTES/)
  })

  it('takes 0 for MAX_IN_FLIGHT (no cap), but nothing below it', () => {
    expect(parseLimits({ MAX_IN_FLIGHT: '0' }).maxInFlight).toBe(0)
    expect(parseLimits({ MAX_IN_FLIGHT: '4' }).maxInFlight).toBe(4)
    expect(() => parseLimits({ MAX_IN_FLIGHT: '-1' })).toThrow(/MAX_IN_FLIGHT.*"-1".*0 turns it off/)
    expect(() => parseLimits({ MAX_IN_FLIGHT: '1.5' })).toThrow(/MAX_IN_FLIGHT/)
  })
})
