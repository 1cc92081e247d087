/** The port for a printer: its status, language and errors. */
import type { Effect } from "effect"
import { Schema } from "effect"

/** What a printer reports about itself; `Unknown` where the transport cannot ask (a write-only device file). */
export const PrinterStatus = Schema.Literals(["Online", "Offline", "PaperOut", "HeadOpen", "Paused", "Unknown"])
export type PrinterStatus = typeof PrinterStatus.Type

export const PrinterLanguage = Schema.Literals(["zpl", "escpos", "pdf"])
export type PrinterLanguage = typeof PrinterLanguage.Type

export class PrinterError extends Schema.TaggedError<PrinterError>()("PrinterError", {
  printerId: Schema.String,
  status: PrinterStatus,
  message: Schema.String
}) {}

/**
 * A printer reached through some transport (raw TCP :9100, serial, USB device file, simulator).
 * `send` resolves only when every byte was handed to the device; a partial write fails, and the
 * caller's durable print queue decides whether to retry. `status` asks the device where its
 * language has a status query (ZPL ~HS, ESC/POS DLE EOT).
 */
export interface PrinterDevice {
  readonly id: string
  readonly language: PrinterLanguage
  readonly description: string
  readonly send: (job: { readonly jobId: string; readonly bytes: Uint8Array }) => Effect.Effect<void, PrinterError>
  readonly status: Effect.Effect<PrinterStatus, PrinterError>
}
