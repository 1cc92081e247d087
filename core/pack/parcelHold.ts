/** Why a parcel still at the station must not leave or have its label printed: its order changed after packing. */
import { type LabelAddressRow, labelAddressOutdated, ORDER_SHIP_TO } from "./labelAddressOutdated.ts"

/** What holds a parcel back; each is a refusal code, with the variants `handover`, `batch`, `reprint`, `pending`. */
export type ParcelHold = "order-cancelled-after-packing" | "label-address-outdated"

/** A parcel's stored data with its order as it is now, as a query that selects `PARCEL_HOLD_COLUMNS` returns them. */
export interface ParcelHoldRow extends LabelAddressRow {
  readonly order_status: string | null
}

/** The columns `parcelHold` reads, for a query that joins the parcel as `p` and its order as `o`. */
export const PARCEL_HOLD_COLUMNS = `${ORDER_SHIP_TO}, o.status AS order_status`

/**
 * Why a parcel that is packed, or waits for its label, must stay at the station, or undefined when it may go. Read
 * from what the order is now, not from a flag the change set, so it holds whatever message changed the order, and
 * after a restart:
 * - `order-cancelled-after-packing`: the shop cancelled the order. The bench packs only open orders, so a parcel of
 *   a cancelled order was packed before the cancellation. It is still in the building, so it does not ship: a
 *   manager voids it (which leaves the order cancelled) and the items go back to stock;
 * - `label-address-outdated`: see `labelAddressOutdated`.
 * The first that applies is the answer: a cancelled order is not packed again, whatever else changed.
 */
export const parcelHold = (row: ParcelHoldRow): ParcelHold | undefined => {
  if (row.order_status === "cancelled") return "order-cancelled-after-packing"
  if (labelAddressOutdated(row)) return "label-address-outdated"
  return undefined
}
