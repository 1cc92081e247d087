/**
 * How close together arrivals have been coming: tells a steady stream worth waiting for from two that met by chance.
 *
 * A batching window (the consumer's lane, the hub sender's claim) pays off only when more are on their way: at a
 * steady 1,000 a second (a gap of about 1 ms) a 3 ms window gathers three more into one commit; at 100 a second, two
 * that came together by chance (a late timer at the station, one TCP read) are followed by nothing for 10 ms, and a
 * window only adds its length to the second one's way (bench:hub-latency's slowest 1 %).
 */
export interface ArrivalPace {
  /**
   * `count` arrivals (1 when absent) at `nowMs` (any clock that does not go back; a clock that does counts as a gap
   * of 0): the gap since the last, then `count - 1` gaps of 0.
   */
  readonly note: (nowMs: number, count?: number) => void
  /** Whether the next arrival is expected within `windowMs`: the average gap is shorter than that. */
  readonly expectsMoreWithin: (windowMs: number) => boolean
}

/** Each new gap weighs this much in the average: one short gap in a slow stream does not make it a fast one. */
const NEW_GAP_WEIGHT = 0.25

export const makeArrivalPace = (): ArrivalPace => {
  let lastMs: number | undefined
  let averageGapMs = Number.POSITIVE_INFINITY
  return {
    note: (nowMs, count = 1) => {
      if (lastMs !== undefined) {
        const gapMs = Math.max(0, nowMs - lastMs)
        averageGapMs =
          averageGapMs === Number.POSITIVE_INFINITY ? gapMs : averageGapMs + NEW_GAP_WEIGHT * (gapMs - averageGapMs)
      }
      // The gaps of 0 between arrivals that came together (the first of them sets the average when none was).
      if (count > 1) {
        averageGapMs = lastMs === undefined ? 0 : averageGapMs * (1 - NEW_GAP_WEIGHT) ** (count - 1)
      }
      lastMs = lastMs === undefined ? nowMs : Math.max(lastMs, nowMs)
    },
    expectsMoreWithin: (windowMs) => averageGapMs < windowMs
  }
}
