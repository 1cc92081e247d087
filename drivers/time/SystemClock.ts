import { Effect, Layer } from "effect"
import { StationClock, type Timestamp } from "../../core/time/Clock.ts"

export const systemTimestamp = (): Timestamp => ({ wallMs: Date.now(), monoNs: process.hrtime.bigint().toString() })

/** The operating system's clocks: wall time from Date.now, monotonic time from hrtime, which never goes back. */
export const SystemClockLayer = Layer.succeed(StationClock, StationClock.of({ now: Effect.sync(systemTimestamp) }))
