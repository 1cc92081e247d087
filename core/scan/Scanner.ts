/** The port for a barcode scanner: raw reads, states and errors. */
import type { Effect, Scope } from "effect"
import { Schema } from "effect"
import type { Timestamp } from "../time/Clock.ts"

/** One raw read from a scanning device, stamped by the driver when the bytes arrived. */
export interface RawScan {
  readonly raw: string
  readonly deviceId: string
  readonly at: Timestamp
}

export type ScannerState =
  | { readonly _tag: "Connected" }
  | { readonly _tag: "Disconnected"; readonly reason: string }
  | { readonly _tag: "Rejected"; readonly reason: string }

export class ScannerError extends Schema.TaggedError<ScannerError>()("ScannerError", {
  deviceId: Schema.String,
  message: Schema.String
}) {}

/**
 * A scanning device (serial, simulated, camera). `run` opens the device for the life of the scope,
 * delivers every complete scan to `onScan`, and every change of connection state (including
 * rejected line noise) to `onState`. A driver reconnects by itself after an unplug and reports it
 * through `onState`; it fails only for configuration that can never work (a bad baud rate).
 */
export interface ScannerDevice {
  readonly id: string
  readonly description: string
  readonly run: (handlers: {
    readonly onScan: (scan: RawScan) => void
    readonly onState: (state: ScannerState) => void
  }) => Effect.Effect<void, ScannerError, Scope.Scope>
}
