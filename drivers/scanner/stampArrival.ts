import type { Timestamp } from "../../core/time/Clock.ts"

/** The moment bytes reached the station, read once per chunk so every scan in it shares the same stamp. */
export const stampArrival = (): Timestamp => ({ wallMs: Date.now(), monoNs: process.hrtime.bigint().toString() })

/** The monotonic clock the framers' inter-byte deadlines are expressed in. */
export const monotonicMs = (): number => Number(process.hrtime.bigint() / 1_000_000n)
