/** Whether a parcel's label was made for an address its order no longer has. */
import { sameAddress } from "../address/Address.ts"
import type { Address } from "../orders/Order.ts"
import type { ParcelData } from "./ParcelRow.ts"

/** A parcel's stored data with its order's address now, as a query that selects `ORDER_SHIP_TO` returns them. */
export interface LabelAddressRow {
  readonly data: string
  readonly order_ship_to: string | null
}

/** The column `labelAddressOutdated` reads the order's address from, for a query that joins the order as `o`. */
export const ORDER_SHIP_TO = "json_extract(o.data, '$.shipTo') AS order_ship_to"

/**
 * True when the shop changed the order's address (`order.address-corrected`, or a new version of the order) after
 * the carrier was asked for the parcel's label. Such a parcel must not leave, and its label must not print again:
 * it names the old address, and the carrier routes the parcel by it. The way out is to void the parcel (which
 * cancels its label with the carrier) and pack the order again, which asks for a new label for the order's address
 * now. Asking again for the same parcel does not do: a label service takes the parcel id as its idempotency key and
 * may answer with the label it already made for the old address.
 *
 * A comparison, not a flag set by the correction: whatever changed the address, and however often, the parcel is
 * judged by the address its label is for. A parcel that does not know it (packed before parcels kept it, and not
 * backfilled) or whose order is gone passes, as it did before.
 */
export const labelAddressOutdated = (row: LabelAddressRow): boolean => {
  const labelledFor = (JSON.parse(row.data) as ParcelData).shipTo
  if (labelledFor === undefined || row.order_ship_to === null) return false
  return !sameAddress(labelledFor, JSON.parse(row.order_ship_to) as Address)
}
