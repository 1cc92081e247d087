/** The API slice for test prints and the print job list, and the print job the UI shows. */
import { Schema } from "effect"

export const PrintJob = Schema.Struct({
  id: Schema.String,
  printer: Schema.Literals(["label", "receipt"]),
  purpose: Schema.String,
  state: Schema.Literals(["queued", "printing", "printed", "failed"]),
  attempts: Schema.Int,
  createdAtMs: Schema.Number,
  lastError: Schema.optional(Schema.String),
  /** Where the UI can show what a simulated printer rendered (a PNG under /printouts/). */
  previewUrl: Schema.optional(Schema.String)
})
export type PrintJob = typeof PrintJob.Type

/** A test page and the latest print jobs, for the station to merge into its one API. */
export const PrintApi = {
  "printer.testPrint": { input: Schema.Struct({ printer: Schema.Literals(["label", "receipt"]) }), output: PrintJob },
  "printer.jobs": { input: Schema.Struct({}), output: Schema.Array(PrintJob) }
} as const
