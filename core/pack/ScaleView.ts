/** What the Pack screen shows of a scale. */
import { Schema } from "effect"
import { Timestamp } from "../time/Clock.ts"

/** What the Pack screen shows of a scale: its state and its last weight, which is gone while it is faulty or away. */
export const ScaleView = Schema.Struct({
  deviceId: Schema.String,
  description: Schema.String,
  state: Schema.Literals(["ok", "fault", "disconnected"]),
  detail: Schema.String,
  reading: Schema.NullOr(Schema.Struct({ grams: Schema.Number, stable: Schema.Boolean, at: Timestamp }))
})
export type ScaleView = typeof ScaleView.Type
