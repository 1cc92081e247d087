/** The API slice every scan goes through (`scan.submit`), and what the station answers about a scan. */
import { Schema } from "effect"
import { ApiTimestamp, IdInput, ScanText } from "../api/ApiInputs.ts"
import { RefusalParams } from "../pack/PackRefusal.ts"
import { Timestamp } from "../time/Clock.ts"

export const ScanSource = Schema.Literals(["wedge", "serial", "camera", "manual", "simulated"])
export const ScanContext = Schema.Literals(["pack", "handover", "returns", "manager"])
export type ScanContext = typeof ScanContext.Type

/** What the station made of one scan: the identification (kind/valid and kind-specific fields) and what it did. */
export const ScanOutcome = Schema.Struct({
  raw: Schema.String,
  source: ScanSource,
  deviceId: Schema.String,
  at: Timestamp,
  identification: Schema.Record(Schema.String, Schema.Unknown),
  action: Schema.String,
  message: Schema.String,
  /**
   * Why a routed scan was refused (action "refused"), for the UI to word in its language: a bench refusal with its
   * variant and params, or a call the flow refused (`code` an API error code, no params). `message` keeps the
   * English `code: reason` for logs and the CLI.
   */
  refusal: Schema.optionalKey(
    Schema.Struct({
      code: Schema.String,
      reason: Schema.String,
      variant: Schema.optionalKey(Schema.String),
      params: Schema.optionalKey(RefusalParams)
    })
  ),
  /**
   * What the flow took the scan as when it is a code only the station knows (a box's barcode, a typed order number,
   * the insert's return code): identification alone calls such a code unknown, but the flow accepted it.
   */
  accepted: Schema.optionalKey(Schema.Struct({ as: Schema.Literals(["box", "order", "return"]), id: Schema.String }))
})
export type ScanOutcome = typeof ScanOutcome.Type

/** Any scan from any source, for the station to merge into its one API; it goes to the flow of the screen that is up. */
export const ScanApi = {
  "scan.submit": {
    input: Schema.Struct({
      raw: ScanText,
      source: ScanSource,
      deviceId: Schema.optional(IdInput),
      at: Schema.optional(ApiTimestamp),
      /** The screen that was up when the scan arrived: a scanner cannot tell, the UI can. */
      context: Schema.optional(ScanContext)
    }),
    output: ScanOutcome
  }
} as const
