/** The view model of the Pack screen. */
import { Schema } from "effect"
import { LocalizedText } from "../catalog/CatalogItem.ts"
import { StoredBox } from "./Box.ts"
import { Refusal } from "./PackRefusal.ts"
import {
  expectedWeightGrams,
  type PackSession,
  remainingQuantity,
  shortShippedQuantity,
  verifiedQuantity,
  weightToleranceGrams
} from "./PackSession.ts"

/**
 * A print job the last step queued. Its progress arrives as the station's `printJob` push, so the view names the
 * job and does not copy its changing state.
 */
export const PrintJobRef = Schema.Struct({
  id: Schema.String,
  printer: Schema.Literals(["label", "receipt"]),
  purpose: Schema.String
})
export type PrintJobRef = typeof PrintJobRef.Type

export const PackLineView = Schema.Struct({
  lineId: Schema.String,
  sku: Schema.String,
  name: LocalizedText,
  icon: Schema.String,
  binHint: Schema.String,
  quantity: Schema.Int,
  verified: Schema.Int,
  shortShipped: Schema.Int,
  remaining: Schema.Int,
  requiresSerial: Schema.Boolean,
  requiresLot: Schema.Boolean,
  serials: Schema.Array(Schema.String)
})

export const AddressCheckView = Schema.Struct({
  ok: Schema.Boolean,
  errors: Schema.Array(Schema.Struct({ field: Schema.String, code: Schema.String, message: Schema.String })),
  formatted: Schema.Array(Schema.String)
})
export type AddressCheckView = typeof AddressCheckView.Type

export const ParcelView = Schema.Struct({
  parcelId: Schema.String,
  /** The parcel's own Packbench code (PB:PARCEL:...), for handover scans when the tracking barcode is damaged. */
  parcelCode: Schema.String,
  orderId: Schema.String,
  /** `label-pending`: packed while the carrier's label service was out of reach; the label prints when it answers. */
  status: Schema.Literals(["packed", "label-pending", "handed-over", "voided"]),
  carrier: Schema.String,
  trackingNumber: Schema.NullOr(Schema.String),
  routingCode: Schema.NullOr(Schema.String),
  sscc: Schema.optional(Schema.String),
  boxId: Schema.String,
  weightGrams: Schema.Number,
  packedAtMs: Schema.Number,
  /**
   * Why the label of a parcel waiting for it will not come (`label-refused`: the carrier refused it;
   * `label-unprintable`: it made one that cannot be printed): the parcel waits for a manager to void it. Absent while
   * the label is asked for.
   */
  labelRefusal: Schema.optional(Refusal)
})
export type ParcelView = typeof ParcelView.Type

/** Everything the Pack screen shows, after every call: it never has to work out the state itself. */
export const PackView = Schema.Struct({
  step: Schema.Literals(["idle", "order-open", "all-verified", "parcel", "labelled", "packed"]),
  order: Schema.NullOr(
    Schema.Struct({
      orderId: Schema.String,
      customerName: Schema.String,
      locale: Schema.String,
      carrier: Schema.String,
      serviceLevel: Schema.String,
      status: Schema.String
    })
  ),
  lines: Schema.Array(PackLineView),
  addressCheck: Schema.NullOr(AddressCheckView),
  /** As stored: a box an older version accepted beyond today's bounds is still shown (see `StoredBox`). */
  box: Schema.NullOr(StoredBox),
  expectedWeightGrams: Schema.Number,
  toleranceGrams: Schema.Number,
  weight: Schema.NullOr(Schema.Struct({ grams: Schema.Number, source: Schema.Literals(["typed", "scale"]) })),
  parcel: Schema.NullOr(ParcelView),
  printJobs: Schema.Array(PrintJobRef),
  /** What the last input was refused for; null when it was accepted. */
  refusal: Schema.NullOr(Refusal)
})
export type PackView = typeof PackView.Type

export const viewOf = (
  session: PackSession,
  extra: {
    readonly addressCheck: AddressCheckView | null
    readonly parcel: ParcelView | null
    readonly printJobs: PackView["printJobs"]
    readonly refusal: PackView["refusal"]
  }
): PackView => {
  const expected = expectedWeightGrams(session)
  return {
    step: session.step,
    order:
      session.order === undefined
        ? null
        : {
            orderId: session.order.orderId,
            customerName: `${session.order.customer.firstName} ${session.order.customer.lastName}`,
            locale: session.order.customer.locale,
            carrier: session.order.carrier,
            serviceLevel: session.order.serviceLevel,
            status: session.order.status
          },
    lines: session.lines.map((line) => ({
      lineId: line.lineId,
      sku: line.item.sku,
      name: line.item.name,
      icon: line.item.icon,
      binHint: line.item.binHint,
      quantity: line.quantity,
      verified: verifiedQuantity(session, line.lineId),
      shortShipped: shortShippedQuantity(session, line.lineId),
      remaining: remainingQuantity(session, line),
      requiresSerial: line.item.requiresSerial,
      requiresLot: line.item.requiresLot,
      serials: session.verifications.flatMap((v) =>
        v.lineId === line.lineId && v.serial !== undefined ? [v.serial] : []
      )
    })),
    addressCheck: extra.addressCheck,
    box: session.box ?? null,
    expectedWeightGrams: expected,
    toleranceGrams: weightToleranceGrams(expected),
    weight: session.weight === undefined ? null : { grams: session.weight.grams, source: session.weight.source },
    parcel: extra.parcel,
    printJobs: extra.printJobs,
    refusal: extra.refusal
  }
}
