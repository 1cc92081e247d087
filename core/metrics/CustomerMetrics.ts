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
