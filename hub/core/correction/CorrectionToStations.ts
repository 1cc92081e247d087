/**
 * Takes a customer's correction of an order no shop connector brought to every station that has the order: those that
 * had it when the correction was taken, and each that tells the hub of it later.
 */
import { Effect, Option, Schema } from "effect"
import { Address } from "../../../core/orders/Order.ts"
import type { Sql } from "../../../core/store/Sql.ts"
import { Topics } from "../../../core/sync/Topics.ts"
import { enqueueHubMessage, HubStream } from "../notify/HubMessages.ts"

/** A station of a site, as `hub_order_stations` names it. */
export interface StationRef {
  readonly siteId: string
  readonly stationId: string
}

/** One correction as the stations take it (`order.hub-address-correction`, core/orders/OrderInbound.ts). */
export interface StationCorrection {
  readonly orderId: string
  /** The hold it answers: the hub's own number of the order's corrections. */
  readonly correction: number
  readonly shipTo: Address
  /**
   * The address it replaces as the hub had it, when it is one a station can read (an order stored before the hub
   * kept addresses has none): a station takes no correction made for an address its source has replaced since.
   */
  readonly previousShipTo: unknown
}

const readableAddress = Schema.decodeUnknownOption(Address)

/**
 * Every station that has the order gets the correction on its own hub stream, not only the one that held it: every
 * station of a site takes the site's orders, and the order may be packed at another bench than the one that held it
 * (a tote carried over, the shop moving it). One that never held it would check the old address itself when its
 * packer opens the order, hold it again and have the customer asked a second time, or, where its rules let the address
 * pass, pack the parcel for it.
 */
export const sendCorrectionTo = (
  sql: Sql["Service"],
  station: StationRef,
  correction: StationCorrection,
  nowMs: number
) => {
  const previous = readableAddress(correction.previousShipTo)
  return enqueueHubMessage(
    sql,
    {
      stream: HubStream.station(station.siteId, station.stationId),
      topic: Topics.hubInbox(station.siteId, station.stationId, "order.hub-address-correction"),
      type: "order.hub-address-correction",
      version: correction.correction,
      payload: {
        orderId: correction.orderId,
        correction: correction.correction,
        shipTo: correction.shipTo,
        ...(Option.isSome(previous) ? { previousShipTo: previous.value } : {})
      }
    },
    nowMs
  )
}

/** The stations the hub knows to have the order, in a stable order. */
export const stationsWithOrder = (sql: Sql["Service"], orderId: string) =>
  sql
    .query<{ site_id: string; station_id: string }>(
      "SELECT site_id, station_id FROM hub_order_stations WHERE order_id = ? ORDER BY site_id, station_id",
      [orderId]
    )
    .pipe(Effect.map((rows) => rows.map((row): StationRef => ({ siteId: row.site_id, stationId: row.station_id }))))

/**
 * Records that `station` has the order; a station new to it gets the order's corrections through the hub's stream
 * to stations, if there are any (the order came to it after the customer corrected the address), each in the order of
 * the holds they answer: a later one names the address of the one before as the one it replaces. Returns how many
 * were sent. A station that told the hub of the order before changes nothing, so a resend or a newer version of the
 * order sends nothing twice.
 */
export const recordStationHasOrder = (sql: Sql["Service"], orderId: string, station: StationRef, nowMs: number) =>
  Effect.gen(function* () {
    const added = yield* sql.query<{ order_id: string }>(
      `INSERT INTO hub_order_stations (order_id, site_id, station_id, first_seen_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (order_id, site_id, station_id) DO NOTHING RETURNING order_id`,
      [orderId, station.siteId, station.stationId, nowMs]
    )
    if (added.length === 0) return 0
    const corrections = yield* sql.query<{ hold_round: number; ship_to: string; previous_ship_to: string | null }>(
      `SELECT hold_round, ship_to, previous_ship_to FROM hub_address_corrections
       WHERE order_id = ? AND route = 'station' ORDER BY hold_round`,
      [orderId]
    )
    for (const row of corrections) {
      yield* sendCorrectionTo(
        sql,
        station,
        {
          orderId,
          correction: Number(row.hold_round),
          shipTo: JSON.parse(row.ship_to) as Address,
          previousShipTo: row.previous_ship_to === null ? undefined : JSON.parse(row.previous_ship_to)
        },
        nowMs
      )
    }
    return corrections.length
  })
