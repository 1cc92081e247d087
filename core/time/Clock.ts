/** The clock service: wall and monotonic time, so core never reads the system clock itself. */
import { Context, Effect, Layer, Schema } from "effect"

/**
 * When something happened, as the station saw it.
 *
 * `wallMs` is UTC wall-clock time in milliseconds and may jump (NTP, an operator fixing the date);
 * `monoNs` is a monotonic reading in nanoseconds since an arbitrary origin and never goes back
 * while the process lives, so two readings of one process can be ordered and subtracted even
 * when the wall clock jumped between them. `ntpOffsetMs` is the last known offset of the wall
 * clock against a time server, when the driver knows one.
 */
export const Timestamp = Schema.Struct({
  wallMs: Schema.Number,
  monoNs: Schema.String,
  ntpOffsetMs: Schema.optional(Schema.Number)
})
export type Timestamp = typeof Timestamp.Type

/** The station's clock: core never reads the time any other way, so tests and drivers control it. */
export class StationClock extends Context.Service<
  StationClock,
  {
    readonly now: Effect.Effect<Timestamp>
  }
>()("packbench/core/time/StationClock") {
  /** A clock that tests move by hand: starts at `startMs` and advances only through `advance`. */
  static readonly manual = (startMs: number) => {
    let wallMs = startMs
    let monoNs = 0n
    const clock = StationClock.of({
      now: Effect.sync(() => ({ wallMs, monoNs: monoNs.toString() }))
    })
    return {
      clock,
      layer: Layer.succeed(StationClock, clock),
      advance: (ms: number) => {
        wallMs += ms
        monoNs += BigInt(Math.round(ms * 1_000_000))
      },
      /** Moves the wall clock alone, as NTP or an operator would; monotonic time goes on. */
      setWall: (ms: number) => {
        wallMs = ms
      }
    }
  }
}
