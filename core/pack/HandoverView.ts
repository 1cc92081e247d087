/** The view model of the Handover screen. */
import { Schema } from "effect"
import { Refusal } from "./PackRefusal.ts"
import { PrintJobRef } from "./PackView.ts"

/** What the Handover screen shows: the open batch with its scans, the last manifest, the last refusal. */
export const HandoverView = Schema.Struct({
  batch: Schema.NullOr(
    Schema.Struct({
      batchId: Schema.String,
      carrier: Schema.String,
      openedAtMs: Schema.Number,
      parcels: Schema.Array(
        Schema.Struct({
          parcelId: Schema.String,
          orderId: Schema.String,
          trackingNumber: Schema.String,
          scannedAtMs: Schema.Number
        })
      )
    })
  ),
  manifest: Schema.NullOr(
    Schema.Struct({
      batchId: Schema.String,
      carrier: Schema.String,
      count: Schema.Int,
      trackingNumbers: Schema.Array(Schema.String),
      printJob: PrintJobRef
    })
  ),
  refusal: Schema.NullOr(Refusal)
})
export type HandoverView = typeof HandoverView.Type
