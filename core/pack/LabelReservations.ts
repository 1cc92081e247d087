/** Parcel ids handed to a carrier before their parcel commits: reserved in a commit of their own, never reused. */
import { Effect } from "effect"
import type { LabelRequest } from "../carrier/CarrierAdapter.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"

/** The numbers the station gives a parcel: its id (the label request's idempotency key) and its SSCC, if it has one. */
export interface ParcelIds {
  readonly parcelId: string
  readonly sscc?: { readonly sscc: string; readonly urn: string }
}

/** A label request but for the ids the station gives it: what the carrier's label says depends on these. */
export type Shipment = Omit<LabelRequest, "parcelId" | "sscc">

export const labelRequestOf = (shipment: Shipment, ids: ParcelIds): LabelRequest => ({
  parcelId: ids.parcelId,
  ...shipment,
  ...(ids.sscc === undefined ? {} : { sscc: ids.sscc.sscc })
})

/** The same value whatever order its keys were written in, for comparing what was decoded from JSON. */
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : typeof value === "object" && value !== null
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((key) => [key, canonical((value as Record<string, unknown>)[key])])
        )
      : value

const sameShipment = (request: LabelRequest, shipment: Shipment) => {
  const { parcelId: _parcelId, sscc: _sscc, ...asked } = request
  return JSON.stringify(canonical(asked)) === JSON.stringify(canonical(shipment))
}

interface ReservationRow {
  readonly parcel_id: string
  readonly request: string
  readonly sscc_urn: string | null
}

/**
 * The reservations whose packing will not be completed as they asked, so that a shipment the carrier may have made
 * for one is the station's to cancel: the bench packs another order or none (the session that asked ended without
 * its parcel: abandoned, or let go for a shop's change), the order is no longer open (a parcel for it committed
 * meanwhile cannot have this id: its commit removes its own reservation), or a newer reservation of the order asks
 * for another shipment (the parcel weighed anew).
 */
export const ABANDONED_RESERVATIONS = `SELECT r.parcel_id, r.order_id, r.carrier, r.request FROM label_reservations r
  LEFT JOIN pack_session s ON s.order_id = r.order_id
  LEFT JOIN orders o ON o.order_id = r.order_id
  WHERE s.order_id IS NULL OR o.status IS NOT 'open'
    OR EXISTS (SELECT 1 FROM label_reservations n WHERE n.order_id = r.order_id AND n.rowid > r.rowid)`

/**
 * The label requests of an API carrier go out under the parcel id, which label services take as the idempotency key:
 * asked again under a key, they answer with the shipment they made for it, whatever the request says now. So a
 * parcel id, once a request may have left under it, is never given to another parcel: it is reserved
 * (`label_reservations`) in a commit of its own before the request leaves, and the parcel's commit removes the
 * reservation (`claim`). A packing that does not commit (a refusal or an error after the carrier answered, a crash)
 * leaves the reservation, and so the key and the shipment the carrier may have made, on record:
 * - completed again as it was asked (the same order, address, service and weight: after an error, or after a restart
 *   restored the session), it asks under the same key, and the carrier answers with the shipment it made, so the
 *   parcel gets the label made for it and no second shipment is made;
 * - left (`ABANDONED_RESERVATIONS`), `CarrierCancellations` takes the reservation over: it learns the shipment's
 *   number by asking again under the key, and cancels it.
 */
export const makeLabelReservations = Effect.gen(function* () {
  const sql = yield* Sql
  const clock = yield* StationClock

  /**
   * In the caller's transaction, which commits before the request leaves: the ids of the order's latest reservation
   * when it asked for the same shipment, else new ones (`newIds`), reserved.
   */
  const reserve = <E, R>(shipment: Shipment, newIds: Effect.Effect<ParcelIds, E, R>) =>
    Effect.gen(function* () {
      const latest = yield* sql.query<ReservationRow>(
        "SELECT parcel_id, request, sscc_urn FROM label_reservations WHERE order_id = ? ORDER BY rowid DESC LIMIT 1",
        [shipment.orderId]
      )
      const reserved = latest[0]
      if (reserved !== undefined) {
        const request = JSON.parse(reserved.request) as LabelRequest
        if (sameShipment(request, shipment)) {
          return {
            parcelId: reserved.parcel_id,
            ...(request.sscc === undefined || reserved.sscc_urn === null
              ? {}
              : { sscc: { sscc: request.sscc, urn: reserved.sscc_urn } })
          } satisfies ParcelIds
        }
      }
      const ids = yield* newIds
      const now = yield* clock.now
      yield* sql.execute(
        `INSERT INTO label_reservations (parcel_id, order_id, carrier, request, sscc_urn, reserved_at_ms)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [
          ids.parcelId,
          shipment.orderId,
          shipment.carrier,
          JSON.stringify(labelRequestOf(shipment, ids)),
          ids.sscc?.urn ?? null,
          now.wallMs
        ]
      )
      return ids
    })

  /**
   * In the parcel's transaction: the parcel takes its id over. False when the reservation is gone: the packing was
   * left while the request was on its way, and the shipment is being cancelled.
   */
  const claim = (parcelId: string) =>
    Effect.map(
      sql.execute("DELETE FROM label_reservations WHERE parcel_id = ?", [parcelId]),
      (deleted) => deleted.changes === 1
    )

  return { reserve, claim }
})
