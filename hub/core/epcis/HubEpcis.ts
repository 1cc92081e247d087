/** The hub's EPCIS store: each applied station event's EPCIS 2.0 view, kept for `GET /epcis` and pruned by age. */
import { Effect } from "effect"
import {
  correctedEventId,
  type EpcisEventDocument,
  type EpcisPlaces,
  epcisEventOf,
  LOCATION_BASE,
  orderTransaction,
  toEpcisEvent
} from "../../../core/events/Epcis.ts"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import { reinstatementView } from "../../../core/orders/OrderEvents.ts"
import { Sql, type SqlValue, type StoreError } from "../../../core/store/Sql.ts"
import type { InboundVersion } from "../../../core/sync/InboundVersion.ts"

/** `hub_epcis_events`' row of an event and its EPCIS document, as `recordEpcisEvent` writes it. */
export const epcisEventRow = (event: EventEnvelope, document: EpcisEventDocument): ReadonlyArray<SqlValue> => [
  event.id,
  event.siteId,
  event.stationId,
  event.epoch,
  event.seq,
  // A correction sorts where it was made (its own time), not where the event it corrects lies.
  event.eventTime.wallMs,
  event.recordTimeMs,
  JSON.stringify(document)
]

/**
 * The business transactions (orders) an EPCIS event disassociates every object from: a TransactionEvent DELETE that
 * names no objects (EPCIS 2.0 §7.4.5: epcList and quantityList "MAY be empty if action is DELETE, indicating that all
 * the objects are disassociated from the business transaction(s)"). After the first, another such event of the same
 * transaction asserts nothing new; nor is it an error to declare (§7.4.1.2: an error declaration says a prior event's
 * assertions are wrong, and the first void's are right). So the hub exports the first and no repeat of it: a shop that
 * cancels a shipped order again and again (each a new version), or each station of a site telling of one
 * cancellation, voided the order once.
 */
export const voidedTransactions = (document: EpcisEventDocument): ReadonlyArray<string> =>
  document.type === "TransactionEvent" &&
  document.action === "DELETE" &&
  document.errorDeclaration === undefined &&
  (document.epcList?.length ?? 0) === 0 &&
  (document.quantityList?.length ?? 0) === 0
    ? (document.bizTransactionList ?? []).map((transaction) => transaction.bizTransaction)
    : []

/**
 * The row of an event that corrects nothing (`correctedEventId` undefined: no stored view to read), or undefined when
 * it has no EPCIS view: what `recordEpcisEvent` writes for it, for a batch to write many in one statement.
 */
export const uncorrectingEpcisRow = (
  event: EventEnvelope,
  places: EpcisPlaces
): ReadonlyArray<SqlValue> | undefined => {
  if (correctedEventId(event) !== undefined) throw new Error(`${event.type} ${event.id} corrects an event`)
  const document = epcisEventOf(event, places, () => undefined)
  if (document === undefined) return undefined
  if (voidedTransactions(document).length > 0) throw new Error(`${event.type} ${event.id} voids a transaction`)
  return epcisEventRow(event, document)
}

/**
 * The version the hub knows of the order (`knownVersion`, before the word of a cancellation at `cancelledAt`) when it
 * is after that cancellation (and one a sender can have given), else undefined: a late word of a cancellation that
 * version took back. The export voids nothing for it (`recordEpcisEvent`), and the hub neither cancels the order nor
 * tells the customer of it (HubProjection's order.cancelled): should that version cancel the order, its own
 * cancellation does.
 */
export const newerKnownVersion = (cancelledAt: InboundVersion, knownVersion: number | undefined) =>
  knownVersion !== undefined && knownVersion > cancelledAt.version && knownVersion <= cancelledAt.newestPlausible
    ? knownVersion
    : undefined

/**
 * Records the EPCIS view of a station event, inside the consumer's transaction that applies it (so it is there exactly
 * when the event counts as applied). Keyed by the event's id: a redelivered event changes nothing. A correction that
 * names its event (a cancelled return) is stored as that event's error declaration, from the view the hub stored of
 * it; events with no EPCIS meaning store nothing. A void of an order voided before (`voidedTransactions`) stores nothing.
 * A void is the export's own record of the cancellation, whether or not the hub counts the order cancelled (it does
 * not when the parcel left): its mark keeps the newest order version cancelled (`cancelledAt`, the cancellation's
 * version; a repeat at a newer one raises it), so only a version after it takes the void back (`recordReinstatement`).
 * A mark taken back keeps the version that took it back: only a cancellation at or after that version voids the order
 * again. Order versions decide, not arrival: a late cancellation from before it (a station that heard of it late)
 * was taken back already, and stores nothing. Exported, it would say the order is void while it is not, and an
 * exported event is never edited: only an error declaration could take it back (EPCIS 2.0 §7.4.1.2, a copy of the
 * event with `errorDeclaration`, whose `correctiveEventIDs` name the events that correct it). So is a cancellation
 * the export holds no void of, when the hub knows the order at a newer version (`knownVersion`, before this event): a
 * version after a cancellation takes it back, and one told only by its order.received (a station of a release before
 * order.reinstated) took back nothing then, the void having not come yet (lost on its way, or told late by another
 * station). It is marked taken back at that version, exporting nothing, so the export's last word of the order stays
 * what the hub knows of it; should that version turn out to cancel the order, its own cancellation voids it.
 */
export const recordEpcisEvent = Effect.fnUntraced(function* (
  event: EventEnvelope,
  places: EpcisPlaces,
  cancelledAt?: InboundVersion,
  knownVersion?: number
) {
  const sql = yield* Sql
  const corrected = correctedEventId(event)
  let original: EpcisEventDocument | undefined
  if (corrected !== undefined) {
    const rows = yield* sql.query<{ document: string }>("SELECT document FROM hub_epcis_events WHERE event_id = ?", [
      corrected
    ])
    const stored = rows[0]?.document
    original = stored === undefined ? undefined : (JSON.parse(stored) as EpcisEventDocument)
    // The hub keeps what it exported: a declaration repeats the erroneous event without one of its own.
    if (original?.errorDeclaration !== undefined) original = undefined
  }
  const document = epcisEventOf(event, places, () => original)
  if (document === undefined) return false
  const voided = voidedTransactions(document)
  if (voided.length > 0) {
    const takenBackAt = cancelledAt === undefined ? null : (newerKnownVersion(cancelledAt, knownVersion) ?? null)
    let first = false
    for (const transaction of voided) {
      // Kept when the void's own row is pruned by age: a repeat years later is still a repeat.
      const marked = yield* sql.execute(
        `INSERT INTO hub_epcis_voided_transactions (biz_transaction, event_id, order_version, reinstated_version)
         VALUES (?, ?, ?, ?) ON CONFLICT (biz_transaction) DO NOTHING`,
        [transaction, event.id, cancelledAt?.version ?? null, takenBackAt]
      )
      if (marked.changes > 0) {
        if (takenBackAt === null) first = true
        continue
      }
      // Taken back before: voided again by a cancellation at or after the version that took it back (or over one no
      // sender can have given), or by a void that carries no version. At it too: a version either cancels the order
      // or not, and a shipped order's cancelling version reaches the hub first as its order.received, which shows no
      // cancellation (a station keeps the order shipped) and so took the void back, then as this order.cancelled.
      const again = yield* sql.execute(
        `UPDATE hub_epcis_voided_transactions SET event_id = ?, order_version = ?, reinstated_version = NULL
         WHERE biz_transaction = ? AND reinstated_version IS NOT NULL
           AND (? = 0 OR reinstated_version <= ? OR reinstated_version > ?)`,
        [
          event.id,
          cancelledAt?.version ?? null,
          transaction,
          cancelledAt === undefined ? 0 : 1,
          cancelledAt?.version ?? 0,
          cancelledAt?.newestPlausible ?? 0
        ]
      )
      if (again.changes > 0) first = true
      else if (cancelledAt !== undefined) yield* raiseVoidInForce(transaction, cancelledAt)
    }
    if (!first) return false
  }
  const inserted = yield* sql.execute(
    `INSERT INTO hub_epcis_events (event_id, site_id, station_id, epoch, seq, event_time_ms, record_time_ms, document)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
    epcisEventRow(event, document)
  )
  return inserted.changes > 0
})

/** A void in force of `transaction` stands for a cancellation at `cancelledAt` too: only a version after it takes it back. */
const raiseVoidInForce = Effect.fnUntraced(function* (transaction: string, cancelledAt: InboundVersion) {
  const sql = yield* Sql
  yield* sql.execute(
    `UPDATE hub_epcis_voided_transactions SET order_version = ?
     WHERE biz_transaction = ? AND reinstated_version IS NULL
       AND (order_version IS NULL OR order_version < ? OR order_version > ?)`,
    [cancelledAt.version, transaction, cancelledAt.version, cancelledAt.newestPlausible]
  )
})

/**
 * The shop's own stream (a shop connector's `order.upsert`) cancels the order at `cancelledAt`: a void of it in force
 * stands for this cancellation as well. A station keeps a shipped order shipped, so the version's `order.received`,
 * which reaches the hub before that station's `order.cancelled` of it, shows no cancellation: without this, it would
 * take the void back and export a reinstatement that never was, the order.cancelled after it voiding the order again
 * (a void, a false reinstatement, a void, in a document consumers act on). A void taken back, or none, is the
 * stations' to record: the hub leaves whether the order is cancelled to their `order.cancelled`.
 */
export const recordShopCancellation = (orderId: string, cancelledAt: InboundVersion) =>
  raiseVoidInForce(orderTransaction(orderId)[0]!.bizTransaction, cancelledAt)

/**
 * Records an order's reinstatement in the export, in the transaction that takes its cancellation back, when the
 * export holds a void of the order in force at a version before `reinstatedAt` (or at one no sender can have given):
 * the void's mark (`hub_epcis_voided_transactions`) is taken back at `reinstatedAt`, so a later cancellation voids the
 * order again and an older one arriving late does not; and the reinstatement is exported as `reinstatementView` at
 * the time and place of `told`, the message that took the cancellation back (a station's `order.reinstated` or
 * `order.received`, or the hub's word for the shop's stream). A mark taken back already keeps the newest version that
 * took it back: a version after the reinstatement that is not cancelled takes back any cancellation before it too.
 * The export keeps its own record, since the hub does not count an order cancelled whose parcel left, yet voids it.
 * A void from before the mark kept its version (hub migrations 80 and 83 found no order for it) goes only when the hub
 * took the order's cancellation back (`hubTookBack`); a cancellation the hub took back that the export holds no void
 * of is marked taken back all the same, so a late word of it voids nothing. Once per reinstatement: only the message that takes the mark
 * back records it, so the same reinstatement told by every station of a site, or redelivered, adds nothing. The hub
 * takes no view an `order.reinstated` might carry (stations export the same view of it themselves, without it).
 */
export const recordReinstatement = Effect.fnUntraced(function* (
  orderId: string,
  reinstatedAt: InboundVersion,
  hubTookBack: boolean,
  told: Effect.Effect<ReinstatementTold, StoreError>,
  places: EpcisPlaces
) {
  const sql = yield* Sql
  const transaction = orderTransaction(orderId)[0]!.bizTransaction
  const withdrawn = yield* sql.execute(
    `UPDATE hub_epcis_voided_transactions SET reinstated_version = ?
     WHERE biz_transaction = ? AND reinstated_version IS NULL
       AND (order_version < ? OR order_version > ? OR (order_version IS NULL AND ? = 1))`,
    [reinstatedAt.version, transaction, reinstatedAt.version, reinstatedAt.newestPlausible, hubTookBack ? 1 : 0]
  )
  if (withdrawn.changes === 0) {
    yield* sql.execute(
      `UPDATE hub_epcis_voided_transactions SET reinstated_version = ?
       WHERE biz_transaction = ? AND (reinstated_version < ? OR reinstated_version > ?)`,
      [reinstatedAt.version, transaction, reinstatedAt.version, reinstatedAt.newestPlausible]
    )
    // The hub took back a cancellation the export holds no void of (the void never reached the hub, or came to a
    // hub of a release that kept none): nothing to take back in the export, but a late word of that cancellation
    // (a station that heard of it late) must not void the order now. Marked taken back at this version, under the
    // message that took it back, as if voided and taken back: only a cancellation after it voids the order.
    if (hubTookBack) {
      const source = yield* told
      yield* sql.execute(
        `INSERT INTO hub_epcis_voided_transactions (biz_transaction, event_id, order_version, reinstated_version)
         VALUES (?, ?, NULL, ?) ON CONFLICT (biz_transaction) DO NOTHING`,
        [transaction, source.by === "station" ? source.event.id : source.shop.id, reinstatedAt.version]
      )
    }
    return false
  }
  const source = yield* told
  const event = source.by === "station" ? source.event : shopWordEnvelope(source.shop)
  let document = toEpcisEvent(
    { ...event, epcis: reinstatementView(orderId) },
    source.by === "station" ? places : { ...places, readPoint: shopReadPoint(source.shop.connectorId) }
  )!
  if (source.by === "shop") {
    const { "packbench:station": _, "packbench:epoch": __, "packbench:seq": ___, ...own } = document
    document = {
      ...own,
      "packbench:eventType": "shop.order-reinstated",
      ...(source.shop.connectorId === undefined ? {} : { "packbench:connector": source.shop.connectorId }),
      "packbench:orderVersion": source.shop.orderVersion
    }
  }
  const inserted = yield* sql.execute(
    `INSERT INTO hub_epcis_events (event_id, site_id, station_id, epoch, seq, event_time_ms, record_time_ms, document)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
    epcisEventRow(event, document)
  )
  return inserted.changes > 0
})

/**
 * The shop's own stream taking a cancellation back before any station told of it (`order.upsert` on a station's
 * inbox, which only the shop side publishes): the hub's word, under an id of its own at the hub's time. Its source
 * is the hub's shop connector that keeps the order (`shop_orders`), or none when the shop publishes itself.
 */
export interface ShopReinstatement {
  readonly id: string
  readonly atMs: number
  readonly siteId: string
  /** The station whose inbox the message came on: where the export's table files the row, not a claim of the document. */
  readonly stationId: string
  readonly connectorId: string | undefined
  readonly orderVersion: number
}

/** What took a cancellation back: a station's event (`order.reinstated`, `order.received`), or the shop's stream. */
export type ReinstatementTold =
  | { readonly by: "station"; readonly event: EventEnvelope }
  | { readonly by: "shop"; readonly shop: ShopReinstatement }

/**
 * The shop's word as `hub_epcis_events` files it (its table needs a station, epoch and number): the inbox's station,
 * epoch `shop` and the order's version. The document says none of these; it names the connector and the version.
 */
const shopWordEnvelope = (shop: ShopReinstatement): EventEnvelope => ({
  id: shop.id,
  type: "shop.order-reinstated",
  version: 1,
  siteId: shop.siteId,
  stationId: shop.stationId,
  epoch: "shop",
  seq: shop.orderVersion,
  eventTime: { wallMs: shop.atMs, monoNs: "0" },
  recordTimeMs: shop.atMs,
  actor: { role: "system" },
  payload: null
})

/**
 * Where the hub heard the shop (the EPCIS readPoint, any URI, §7.3.6): Packbench's own URI for the shop connector
 * that keeps the order, or for the shop's stream when no connector does.
 */
const shopReadPoint = (connectorId: string | undefined) =>
  connectorId === undefined ? `${LOCATION_BASE}/shop` : `${LOCATION_BASE}/shop/${encodeURIComponent(connectorId)}`

export interface EpcisWindow {
  readonly fromMs: number
  readonly toMs: number
  readonly siteId?: string | undefined
}

/** Where a page ended: the next page starts after this (event time, event id). */
export interface EpcisCursor {
  readonly eventTimeMs: number
  readonly eventId: string
}

/**
 * One page of stored EPCIS events with event time in [fromMs, toMs), oldest first, after `cursor`: keyset paging on
 * the (event_time_ms, event_id) index, so every page costs the same however deep into the window it is.
 */
export const readEpcisPage = Effect.fnUntraced(function* (
  window: EpcisWindow,
  cursor: EpcisCursor | undefined,
  limit: number
) {
  const sql = yield* Sql
  const params: Array<string | number> = [window.fromMs, window.toMs]
  let where = "event_time_ms >= ? AND event_time_ms < ?"
  if (cursor !== undefined) {
    where += " AND (event_time_ms > ? OR (event_time_ms = ? AND event_id > ?))"
    params.push(cursor.eventTimeMs, cursor.eventTimeMs, cursor.eventId)
  }
  if (window.siteId !== undefined) {
    where += " AND site_id = ?"
    params.push(window.siteId)
  }
  params.push(limit)
  const rows = yield* sql.query<{ event_id: string; event_time_ms: number | string; document: string }>(
    `SELECT event_id, event_time_ms, document FROM hub_epcis_events WHERE ${where}
     ORDER BY event_time_ms, event_id LIMIT ?`,
    params
  )
  const last = rows.at(-1)
  return {
    documents: rows.map((row) => row.document),
    next:
      last === undefined || rows.length < limit
        ? undefined
        : ({ eventTimeMs: Number(last.event_time_ms), eventId: last.event_id } satisfies EpcisCursor)
  }
})

/**
 * Forgets the stored EPCIS events older than `retentionDays` (by event time), at most `batch` at a time so a first
 * prune after a long pause never holds the table in one transaction; returns how many went.
 */
export const pruneEpcisEvents = Effect.fnUntraced(function* (nowMs: number, retentionDays: number, batch = 5_000) {
  const sql = yield* Sql
  const cutoffMs = nowMs - retentionDays * 86_400_000
  const removed = yield* sql.execute(
    `DELETE FROM hub_epcis_events WHERE event_id IN
       (SELECT event_id FROM hub_epcis_events WHERE event_time_ms < ? ORDER BY event_time_ms LIMIT ?)`,
    [cutoffMs, batch]
  )
  return removed.changes
})
