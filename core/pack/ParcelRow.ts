/** The parcel rows the bench reads and the parcel code printed on them. */
import type { PackedPhoto } from "../evidence/PackedPhoto.ts"
import type { ShippingLabel } from "../label/ShippingLabel.ts"
import type { Address, OrderLine } from "../orders/Order.ts"
import { encodePackbenchCode } from "../scan/PackbenchCode.ts"
import type { ParcelView } from "./PackView.ts"

/** A row of `parcels` as the bench reads it. */
export interface ParcelRow {
  readonly parcel_id: string
  readonly order_id: string
  readonly status: ParcelView["status"]
  readonly carrier: string
  readonly tracking_number: string | null
  readonly sscc: string | null
  readonly box_id: string
  readonly weight_grams: number
  readonly data: string
  readonly packed_at_ms: number
}

/** `label` is absent while the parcel waits for its carrier's label service (status `label-pending`). */
export interface ParcelData {
  readonly label?: ShippingLabel
  /**
   * The order's address the carrier was asked to label the parcel for, as the shop sent it (the label carries it
   * formatted): the station compares it with the order's address before the parcel leaves or its label prints again.
   * Absent on a parcel packed before parcels kept it, unless migration 0095 could tell it from the event log.
   */
  readonly shipTo?: Address
  /**
   * The order's lines the parcel was packed for, as the shop sent them (what was ordered, not what went in: a
   * manager may have short-shipped some): the station compares them with the order's lines before the parcel leaves
   * or its label prints again. Absent on a parcel packed before parcels kept them, unless migration 0096 could tell
   * them from the event log.
   */
  readonly lines?: ReadonlyArray<OrderLine>
  readonly ssccUrn?: string
  /**
   * Whether the label is (or, while pending, will be) the carrier's web service's: the shipment it made stays live
   * there until cancelled, so voiding the parcel cancels it, whatever the carrier's setup at the station is by then.
   * Absent on a parcel packed before parcels kept it: the carrier's setup at the void decides, as it did.
   */
  readonly labelFromCarrierApi?: boolean
  /** The evidence still as `parcel.packed` recorded it; `prunedAtMs` once retention deleted its file. */
  readonly photo?: PackedPhoto & { readonly prunedAtMs?: number }
}

/** The code printed for a parcel (scanned at handover): its Packbench parcel code, else its bare id. */
export const parcelCode = (parcelId: string): string => {
  const encoded = encodePackbenchCode("parcel", parcelId)
  return encoded.ok ? encoded.code : parcelId
}

export const parcelViewOf = (row: ParcelRow): ParcelView => {
  const data = JSON.parse(row.data) as ParcelData
  return {
    parcelId: row.parcel_id,
    parcelCode: parcelCode(row.parcel_id),
    orderId: row.order_id,
    status: row.status,
    carrier: row.carrier,
    trackingNumber: row.tracking_number,
    routingCode: data.label?.routingCode ?? null,
    ...(row.sscc === null ? {} : { sscc: row.sscc }),
    boxId: row.box_id,
    weightGrams: Number(row.weight_grams),
    packedAtMs: Number(row.packed_at_ms)
  }
}
