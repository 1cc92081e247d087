/** The printer-independent shipping label model that the label encoders render. */
import { Schema } from "effect"
import { CustomsDeclaration } from "./CustomsDeclaration.ts"

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
  reference: Schema.optional(Schema.String),
  /** DHL Paket's 14-digit routing code (ITF) where the station can code the address (see DhlCodes.ts). */
  leitcode: Schema.optional(Schema.String),
  /** DHL Paket's 12-digit parcel code (ITF); a label that has one and no Leitcode is sorted by postal code. */
  identcode: Schema.optional(Schema.String),
  /** The customs declaration printed with the label for a parcel that leaves the EU's customs union. */
  customs: Schema.optional(CustomsDeclaration)
})
export type ShippingLabel = typeof ShippingLabel.Type

export class LabelContentError extends Schema.TaggedError<LabelContentError>()("LabelContentError", {
  field: Schema.String,
  message: Schema.String
}) {}
