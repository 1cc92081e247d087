/** The clocks the scanner drivers stamp arriving bytes with. */
import { systemTimestamp } from "../time/SystemClock.ts"

/** The moment bytes reached the station, read once per chunk so every scan in it shares the same stamp. */
export const stampArrival = systemTimestamp

/** The monotonic clock the framers' inter-byte deadlines are expressed in. */
export const monotonicMs = (): number => Number(process.hrtime.bigint() / 1_000_000n)
