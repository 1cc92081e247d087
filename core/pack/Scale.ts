/** The port for a bench scale: its readings, states and errors. */
import type { Effect, Scope } from "effect"
import { Schema } from "effect"
import type { Timestamp } from "../time/Clock.ts"

/**
 * One weight the scale reported, converted to grams, stamped by the driver when its bytes arrived: that moment, not
 * when the packer pressed a key, is when the parcel weighed this much. `stable` is the scale's own motion flag.
 */
export interface ScaleReading {
  readonly deviceId: string
  readonly grams: number
  readonly stable: boolean
  readonly at: Timestamp
}

/**
 * `Fault` is a scale that is connected but has no valid weight: overloaded, underloaded, busy, answering with an error
 * code or with bytes that are no reply at all. The reason is written for the operator.
 */
export type ScaleState =
  | { readonly _tag: "Connected" }
  | { readonly _tag: "Disconnected"; readonly reason: string }
  | { readonly _tag: "Fault"; readonly reason: string }

export class ScaleError extends Schema.TaggedError<ScaleError>()("ScaleError", {
  deviceId: Schema.String,
  message: Schema.String
}) {}

/**
 * A weighing device (serial, simulated). `run` opens it for the life of the scope, delivers every weight it reports
 * (moving or stable) to `onReading`, and every change of state to `onState`. Like a scanner, it reconnects by itself
 * after an unplug; it fails only for configuration that can never work.
 */
export interface ScaleDevice {
  readonly id: string
  readonly description: string
  readonly run: (handlers: {
    readonly onReading: (reading: ScaleReading) => void
    readonly onState: (state: ScaleState) => void
  }) => Effect.Effect<void, ScaleError, Scope.Scope>
}
