/** The checked messages between the Electron main process and the station's utility process. */
import { Schema } from "effect"

/**
 * The messages between the Electron main process and the station's utility process. Both sides check every message
 * with these schemas, so a bug on one side shows up as a logged, dropped message instead of a crash or a hung call.
 */
const WireResultSchema = Schema.Union([
  Schema.Struct({ ok: Schema.Literal(true), value: Schema.Unknown }),
  Schema.Struct({
    ok: Schema.Literal(false),
    error: Schema.Struct({
      code: Schema.String,
      message: Schema.String,
      details: Schema.optional(Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String })))
    })
  })
])

export const ToStation = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("call"), id: Schema.Int, name: Schema.String, input: Schema.Unknown }),
  Schema.Struct({ kind: Schema.Literal("close") })
])
export type ToStation = typeof ToStation.Type

export const FromStation = Schema.Union([
  Schema.Struct({
    kind: Schema.Literal("ready"),
    siteId: Schema.String,
    stationId: Schema.String,
    printoutsDir: Schema.String
  }),
  Schema.Struct({ kind: Schema.Literal("result"), id: Schema.Int, result: WireResultSchema }),
  Schema.Struct({
    kind: Schema.Literal("push"),
    message: Schema.Struct({ name: Schema.String, payload: Schema.Unknown })
  }),
  Schema.Struct({ kind: Schema.Literal("fatal"), message: Schema.String })
])
export type FromStation = typeof FromStation.Type

export const isToStation = Schema.is(ToStation)
export const isFromStation = Schema.is(FromStation)
