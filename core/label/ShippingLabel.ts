import { Schema } from "effect"

/**
 * A 4x6 inch shipping label, independent of any printer language. Address lines arrive already
 * formatted for the destination country; the encoders only place them.
 */
export const ShippingLabel = Schema.Struct({
  shipFrom: Schema.Array(Schema.String),
  shipTo: Schema.Array(Schema.String),
  carrier: Schema.Struct({ name: Schema.String, service: Schema.String }),
  trackingNumber: Schema.String,
  /** The carrier's routing / postal code, printed as its own Code 128 barcode for sorting. */
  routingCode: Schema.String,
  orderId: Schema.String,
  parcelId: Schema.String,
  weightGrams: Schema.Number,
  /** 18-digit Serial Shipping Container Code (GS1 AI 00), check digit included. */
  sscc: Schema.optional(Schema.String),
  reference: Schema.optional(Schema.String)
})
export type ShippingLabel = typeof ShippingLabel.Type

export class LabelContentError extends Schema.TaggedError<LabelContentError>()("LabelContentError", {
  field: Schema.String,
  message: Schema.String
}) {}
