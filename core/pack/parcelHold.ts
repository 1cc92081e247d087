/** Why a parcel still at the station must not leave or have its label printed: its order changed after packing. */
import type { OrderLine } from "../orders/Order.ts"
import { type LabelAddressRow, labelAddressOutdated, ORDER_SHIP_TO } from "./labelAddressOutdated.ts"
import type { ParcelData } from "./ParcelRow.ts"
import { lineRenumbering } from "./parcelLineRenumbering.ts"

/**
 * What holds a parcel back; each is a refusal code, with the variants `handover`, `batch`, `reprint`, `pending` (its
 * label came, not printed) and `withheld` (its label is not asked for).
 */
export type ParcelHold = "order-cancelled-after-packing" | "parcel-lines-outdated" | "label-address-outdated"

/** A parcel's stored data with its order as it is now, as a query that selects `PARCEL_HOLD_COLUMNS` returns them. */
export interface ParcelHoldRow extends LabelAddressRow {
  readonly order_status: string | null
  readonly order_lines: string | null
}

/** The columns `parcelHold` reads, for a query that joins the parcel as `p` and its order as `o`. */
export const PARCEL_HOLD_COLUMNS = `${ORDER_SHIP_TO}, o.status AS order_status, json_extract(o.data, '$.lines') AS order_lines`

/**
 * Why a parcel that is packed, or waits for its label, must stay at the station, or undefined when it may go. Read
 * from what the order is now, not from a flag the change set, so it holds whatever message changed the order, and
 * after a restart:
 * - `order-cancelled-after-packing`: the shop cancelled the order. The bench packs only open orders, so a parcel of
 *   a cancelled order was packed before the cancellation. It is still in the building, so it does not ship: a
 *   manager voids it (which leaves the order cancelled) and the items go back to stock;
 * - `parcel-lines-outdated`: a newer version of the order asks for other items or other numbers of them than the
 *   lines the parcel was packed for (`ParcelData.lines`), item by item (SKU → total quantity). The parcel holds the
 *   old ones: a manager voids it (which opens the order again) and it is packed anew. A version that changes nothing
 *   the parcel carries lets it go: the customer's e-mail, a price, the order of the lines, and new line ids or another
 *   split of an item over lines (a shop that numbers its lines anew on every edit), the inbox having moved the
 *   parcel's units onto the new lines (`renumberParcelLines`). Held all the same when the lines cannot say which
 *   unit is on which line (two lines under one id): a return could not tell which line to refund;
 * - `label-address-outdated`: see `labelAddressOutdated`.
 * The first that applies is the answer: a cancelled order is not packed again, whatever else changed. A parcel that
 * does not know its lines (packed before parcels kept them, and not backfilled) or whose order is gone passes.
 */
export const parcelHold = (row: ParcelHoldRow): ParcelHold | undefined => {
  if (row.order_status === "cancelled") return "order-cancelled-after-packing"
  const packedFor = (JSON.parse(row.data) as ParcelData).lines
  if (packedFor !== undefined && row.order_lines !== null) {
    const current = JSON.parse(row.order_lines) as ReadonlyArray<OrderLine>
    if (lineRenumbering(packedFor, current) === undefined) return "parcel-lines-outdated"
  }
  if (labelAddressOutdated(row)) return "label-address-outdated"
  return undefined
}
