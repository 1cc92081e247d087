/** The parcels still at the station that must not leave as they are, read as handover and the label worker judge them. */
import { Effect } from "effect"
import { carrierRefusalOf } from "../carrier/carrierRefusal.ts"
import { Sql } from "../store/Sql.ts"
import type { HeldParcel } from "./HeldParcelsApi.ts"
import { PARCEL_HOLD_COLUMNS, type ParcelHoldRow, parcelHold } from "./parcelHold.ts"

/** A parcel still at the station with its order as it is now and its pending label request, if it waits for one. */
export interface AtStationRow extends ParcelHoldRow {
  readonly parcel_id: string
  readonly order_id: string
  readonly status: "packed" | "label-pending"
  readonly carrier: string
  readonly tracking_number: string | null
  readonly packed_at_ms: number
  readonly may_have_reached_carrier: number | null
  readonly refused: string | null
}

/**
 * The parcels still at the station, newest first, after `before` (the last one of the page before). The partial
 * index of station migration 101 holds only these, so the read never walks the parcels that left long ago.
 */
export const AT_STATION_PAGE = `SELECT p.parcel_id, p.order_id, p.status, p.carrier, p.tracking_number, p.packed_at_ms,
    p.data, ${PARCEL_HOLD_COLUMNS}, l.may_have_reached_carrier, l.refused
  FROM parcels p LEFT JOIN orders o ON o.order_id = p.order_id LEFT JOIN pending_labels l ON l.parcel_id = p.parcel_id
  WHERE p.status IN ('packed', 'label-pending') AND (p.packed_at_ms, p.parcel_id) < (?, ?)
  ORDER BY p.packed_at_ms DESC, p.parcel_id DESC LIMIT ?`

/** How many parcels one read takes: the rows carry their label, so a page is kept small. */
const PAGE_ROWS = 100

/**
 * Whether the parcel is held, and why (see `HeldReason`), or undefined when it may go. The order's change is
 * `parcelHold`'s, compared now; a label is withheld when the order changed and no request for it can have reached
 * the carrier, which is exactly when the label worker does not ask for it, whether or not its pass marked it yet; and
 * held for the carrier's web service when a request may have reached the carrier and the carrier is no longer set up
 * for that service (`isApiCarrier`, the configuration's now), which is when the label worker holds it.
 */
export const heldParcelOf = (row: AtStationRow, isApiCarrier: (carrier: string) => boolean): HeldParcel | undefined => {
  const orderChange = parcelHold(row)
  const pending = row.status === "label-pending"
  const reached = Number(row.may_have_reached_carrier) === 1
  const reason =
    pending && row.refused !== null
      ? "label-refused"
      : pending && orderChange !== undefined && !reached
        ? "label-withheld"
        : (orderChange ??
          (pending && reached && !isApiCarrier(row.carrier) ? "label-api-gone" : pending ? "label-pending" : undefined))
  if (reason === undefined) return undefined
  // The carrier's words and status, never its raw answer (a refusal kept before them holds it).
  const said = pending && row.refused !== null ? carrierRefusalOf(row.refused) : {}
  return {
    parcelId: row.parcel_id,
    orderId: row.order_id,
    carrier: row.carrier,
    status: row.status,
    packedAtMs: Number(row.packed_at_ms),
    trackingNumber: row.tracking_number,
    reason,
    ...(orderChange === undefined ? {} : { orderChange }),
    ...(said.words === undefined ? {} : { carrierMessage: said.words }),
    ...(said.status === undefined ? {} : { carrierStatus: said.status })
  }
}

/**
 * At most `limit` held parcels: those only a void (or, for `label-api-gone`, the carrier's web service set up again)
 * lets go first, then those waiting for their label, newest first within each; `more` when others are held too. Read
 * page by page through the parcels still at the station, keeping no more than `limit` + 1 of each kind, and stopped
 * once the first kind alone fills the answer. `isApiCarrier`: whether a carrier is set up for its web service now;
 * `pageRows`: parcels per read.
 */
export const listHeldParcels = (limit: number, isApiCarrier: (carrier: string) => boolean, pageRows = PAGE_ROWS) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const mustVoid: Array<HeldParcel> = []
    const waiting: Array<HeldParcel> = []
    let before: readonly [number, string] = [Number.MAX_SAFE_INTEGER, ""]
    while (mustVoid.length <= limit) {
      const rows = yield* sql.query<AtStationRow>(AT_STATION_PAGE, [...before, pageRows])
      for (const row of rows) {
        const held = heldParcelOf(row, isApiCarrier)
        if (held === undefined) continue
        const kind = held.reason === "label-pending" ? waiting : mustVoid
        if (kind.length <= limit) kind.push(held)
      }
      const last = rows.at(-1)
      if (last === undefined || rows.length < pageRows) break
      before = [Number(last.packed_at_ms), last.parcel_id]
    }
    const held = [...mustVoid, ...waiting]
    return { parcels: held.slice(0, limit), more: held.length > limit }
  })
