/** The customer notification figures (WISMO reach per stage) the Manager screen shows. */
import { Schema } from "effect"

/** The customer-facing messages whose reach the WISMO figures count, in the order a parcel meets them. */
export const NotificationStage = Schema.Literals([
  "order-confirmed",
  "packed",
  "shipped",
  "out-for-delivery",
  "delivered",
  "feedback-request"
])
export type NotificationStage = typeof NotificationStage.Type

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
/** numerator / denominator, or null when there was nothing to divide by (not 0: "no data" is not "none"). */
const Rate = Schema.NullOr(Schema.Number)
const Millis = Schema.NullOr(Schema.Number)

export const StageReach = Schema.Struct({
  stage: NotificationStage,
  /** Parcels first packed (or, unpacked, handed over) in the window. */
  parcels: Count,
  /** Of those, parcels whose customer was sent this message (the mail server accepted it). */
  notified: Count,
  share: Rate
})
export type StageReach = typeof StageReach.Type

export const DailyDuration = Schema.Struct({
  /** UTC day, YYYY-MM-DD, of the handover. */
  day: Schema.String,
  parcels: Count,
  medianMs: Millis,
  p90Ms: Millis
})
export type DailyDuration = typeof DailyDuration.Type

/** How long one carrier took from the handover to its first scan of a parcel, for parcels handed over in the window. */
export const CarrierPickup = Schema.Struct({
  carrier: Schema.String,
  handedOver: Count,
  /** Parcels with a carrier scan after the handover (a label-created notice is no scan). */
  scanned: Count,
  medianMs: Millis,
  p90Ms: Millis,
  /** Parcels still without a carrier scan longer than the pickup alert after their handover. */
  waiting: Count
})
export type CarrierPickup = typeof CarrierPickup.Type

/** One handover batch (a cage closed at a station) and how its carrier picked it up. */
export const HandoverBatchPickup = Schema.Struct({
  batchId: Schema.String,
  carrier: Schema.String,
  handedAtMs: Schema.Number,
  parcels: Count,
  scanned: Count,
  medianMs: Millis,
  /** No parcel of the batch scanned by the carrier within the pickup alert: a cage not collected, or lost. */
  alert: Schema.Boolean
})
export type HandoverBatchPickup = typeof HandoverBatchPickup.Type

/** The customer figures of one time window [fromMs, toMs), computed by the hub from its stored events. */
export const CustomerMetrics = Schema.Struct({
  fromMs: Schema.Number,
  toMs: Schema.Number,
  stages: Schema.Array(StageReach),
  /** Packed to handed to carrier, for parcels handed over in the window. */
  packedToHanded: Schema.Struct({
    parcels: Count,
    medianMs: Millis,
    p90Ms: Millis,
    daily: Schema.Array(DailyDuration)
  }),
  /**
   * Handed to carrier → the carrier's first scan, per carrier and per handover batch (newest first, at most 200),
   * as of `asOfMs`; `alertAfterMs` is the hub's pickup alert. Absent from a hub older than the figure.
   */
  pickup: Schema.optional(
    Schema.Struct({
      asOfMs: Schema.Number,
      alertAfterMs: Schema.Number,
      carriers: Schema.Array(CarrierPickup),
      batches: Schema.Array(HandoverBatchPickup)
    })
  ),
  /** Parcels delivered in the window with a promised date: delivered on or before it. */
  onTime: Schema.Struct({ delivered: Count, onTime: Count, rate: Rate }),
  /** Orders with a parcel handed over in the window, and of those the orders a return was received for (so far). */
  returns: Schema.Struct({ shippedOrders: Count, returnedOrders: Count, rate: Rate }),
  /** Customers who placed an order in the window, and of those the ones who placed more than one. */
  repurchase: Schema.Struct({ customers: Count, repeatCustomers: Count, rate: Rate }),
  /** Feedback answers given in the window: satisfied is a 4 or 5; `ratings[i]` counts the answers of i + 1. */
  csat: Schema.Struct({
    answers: Count,
    satisfied: Count,
    share: Rate,
    mean: Schema.NullOr(Schema.Number),
    ratings: Schema.Array(Count)
  })
})
export type CustomerMetrics = typeof CustomerMetrics.Type

export const MetricsWindow = Schema.Struct({ fromMs: Schema.Number, toMs: Schema.Number }).check(
  Schema.makeFilter((window) => window.fromMs < window.toMs || "fromMs must be before toMs")
)
export type MetricsWindow = typeof MetricsWindow.Type
