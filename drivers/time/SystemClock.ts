/** The clock service on the operating system's clocks, corrected by NTP when known. */
import { Effect, Layer } from "effect"
import { StationClock, type Timestamp } from "../../core/time/Clock.ts"
import { knownNtpOffsetMs } from "./Sntp.ts"

/** Now, by the operating system's clocks, with the NTP offset when an NTP server told us one (see Sntp.ts). */
export const systemTimestamp = (): Timestamp => {
  const ntpOffsetMs = knownNtpOffsetMs()
  const wallMs = Date.now()
  const monoNs = process.hrtime.bigint().toString()
  // Without a spread of an object made for it: the hub reads the clock several times an event.
  return ntpOffsetMs === undefined ? { wallMs, monoNs } : { wallMs, monoNs, ntpOffsetMs }
}

/** The operating system's clocks: wall time from Date.now, monotonic time from hrtime, which never goes back. */
export const systemClock = StationClock.of({ now: Effect.sync(systemTimestamp) })

/** `systemClock` as the clock service of a runtime. */
export const SystemClockLayer = Layer.succeed(StationClock, systemClock)
