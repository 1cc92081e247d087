/** The hub's ledger of refunds decided at stations, so no returned unit is paid twice. */
import { Effect, Schema } from "effect"
import { oneLine } from "../../../core/bounds/oneLine.ts"
import type { EventEnvelope } from "../../../core/events/Event.ts"
import type { Order } from "../../../core/orders/Order.ts"
import type { ParcelLinesRenumbered } from "../../../core/pack/PackEvents.ts"
import { paidPerUnit } from "../../../core/returns/paidPerUnit.ts"
import type {
  ReturnCancelled,
  ReturnRefundDecided,
  ReturnRefundDecisionCorrected,
  ReturnRefundIssued
} from "../../../core/returns/ReturnsEvents.ts"
import type { RefundRejected } from "../../../core/returns/ReturnsMessages.ts"
import type { Sql, SqlValue } from "../../../core/store/Sql.ts"
import type { InboundVersion } from "../../../core/sync/InboundVersion.ts"
import { Topics } from "../../../core/sync/Topics.ts"
import { enqueueHubMessage, HubStream } from "../notify/HubMessages.ts"

/** What the hub passes on to the shop: pay (or, with amount 0, do not pay) this unit; `requestId` is the item. */
export const RefundRequested = Schema.Struct({
  requestId: Schema.String,
  siteId: Schema.String,
  stationId: Schema.String,
  returnId: Schema.String,
  orderId: Schema.String,
  lineId: Schema.String,
  unit: Schema.Int,
  serial: Schema.NullOr(Schema.String),
  outcome: Schema.String,
  amountCents: Schema.Int,
  currency: Schema.String
})
export type RefundRequested = typeof RefundRequested.Type

/**
 * What the ledger reads of a unit's decision: a `return.refund-decided`, or a station's correction of one
 * (`return.refund-decision-corrected`), which is applied as the decision it states.
 */
export type LedgerDecision = typeof ReturnRefundDecided.payload.Type | typeof ReturnRefundDecisionCorrected.payload.Type

/** Outcomes that pay money out; exchanges and holds claim no unit. */
const paying = new Set(["refund-full", "refund-partial", "store-credit"])

interface ClaimRow {
  readonly order_id: string
  readonly line_id: string
  /** The line the station's decision named; null for a claim made before the ledger kept it (hub migration 70). */
  readonly decided_line_id: string | null
  readonly unit_key: string
  /** The item claimed; null for a claim made before the ledger kept items (hub migration 64). */
  readonly sku: string | null
  readonly item_ref: string
  readonly return_id: string
  readonly station_id: string
  readonly amount_cents: number
  readonly status: "requested" | "issued"
  readonly serial: string | null
  readonly currency: string
}

interface OrderRow {
  readonly paid_cents: number
  readonly lines: string
}

/** A line of the order as the ledger keeps it; a row stored before the ledger kept items has no `sku`. */
type LedgerLine = {
  readonly lineId: string
  readonly sku?: string
  readonly quantity: number
  readonly paidUnitCents: number
}

/**
 * What a unit is a unit of, for counting: its item (SKU), which stays when a shop numbers the order's lines anew
 * (Shopware's order edit), while line ids do not. A line of a row stored before the ledger kept items counts its
 * units on its own, as every line did before.
 */
const itemOfLine = (line: LedgerLine): string => (line.sku === undefined ? `line:${line.lineId}` : `sku:${line.sku}`)

/**
 * The item a claim counts against: the one it was made for, or, for a claim from before the ledger kept items, its
 * line's while the order has the line. A claim of such a row's line counts on that line, as the decisions for it do.
 */
const itemOfClaim = (claim: ClaimRow, lines: ReadonlyArray<LedgerLine>): string => {
  const line = lines.find((candidate) => candidate.lineId === claim.line_id)
  if (line !== undefined && (line.sku === undefined || claim.sku === null)) return itemOfLine(line)
  return claim.sku === null ? `line:${claim.line_id}` : `sku:${claim.sku}`
}

/** The unit number a claim's slot stands for (`unit:2`), or `fallback` for a serialised unit's. */
const slotUnit = (unitKey: string, fallback: number): number => {
  const unit = unitKey.startsWith("unit:") ? Number(unitKey.slice(5)) : fallback
  return Number.isInteger(unit) ? unit : fallback
}

/**
 * What a shop connector did, or may have done, with the refund of `itemRef`: paid it (`done`, when; a push that kept no
 * time has none), is paying it right now (`sending`: taken for the shop and committed before the call), may have paid
 * it and will hear so (`retrying`: sent before and queued again without a word of the shop's, after a failure such as
 * a timeout, a crash while sending or a manager's retry; the next attempt carries the same key, so the shop pays it
 * once and says so), or may have paid it (`unread`: sent, and its answer, which the hub could not read, handed to a
 * manager). Undefined when none of its pushes reached the shop so (none, or queued and never sent, refused, or
 * discarded): then the shop paid nothing of it.
 */
export const refundPushLeft = (sql: Sql["Service"], itemRef: string) =>
  Effect.map(
    sql.query<{ status: string; failed_as: string | null; done_at_ms: number | null; attempts: number }>(
      `SELECT status, failed_as, done_at_ms, attempts FROM shop_pushes
       WHERE kind = 'refund' AND subject = ? AND status <> 'discarded'`,
      [itemRef]
    ),
    (pushes): RefundPushLeft | undefined => {
      const done = pushes.find((push) => push.status === "done")
      if (done !== undefined) {
        return { status: "done", doneAtMs: done.done_at_ms === null ? null : Number(done.done_at_ms) }
      }
      if (pushes.some((push) => push.status === "sending")) return { status: "sending" }
      if (pushes.some((push) => push.status === "queued" && Number(push.attempts) > 0)) return { status: "retrying" }
      if (pushes.some((push) => push.status === "failed" && push.failed_as === "malformed")) return { status: "unread" }
      return undefined
    }
  )

export type RefundPushLeft =
  | { readonly status: "done"; readonly doneAtMs: number | null }
  | { readonly status: "sending" }
  | { readonly status: "retrying" }
  | { readonly status: "unread" }

/** When the shop paid, as `left` says (`nowMs` for a push that kept no time); undefined when it did not (or not so). */
const paidAt = (left: RefundPushLeft | undefined, nowMs: number) =>
  left?.status === "done" ? (left.doneAtMs ?? nowMs) : undefined

/** What the shop did with the refund of `what`, as `refundPushLeft` says, in a manager's log line. */
export const whatTheShopDid = (left: RefundPushLeft["status"], what: string) =>
  left === "done"
    ? `paid ${what}`
    : left === "sending"
      ? `is paying ${what}`
      : left === "retrying"
        ? `may have paid ${what} (its last attempt got no answer; it is sent again with the same key)`
        : `may have paid ${what} (its answer could not be read)`

/** The ledger's row of an order (`hub_refund_orders`' columns, in order): what was paid, per line and unit. */
export const orderRow = (order: Order, source: "shop" | "station"): Array<SqlValue> => [
  order.orderId,
  order.version,
  order.payment.currency,
  Math.max(0, Math.round(order.payment.total * 100)),
  JSON.stringify(
    order.lines.map(
      (line): LedgerLine => ({
        lineId: line.lineId,
        sku: line.sku,
        quantity: line.quantity,
        paidUnitCents: paidPerUnit(order).get(line.lineId) ?? 0
      })
    )
  ),
  source
]

/** A station's order into the ledger (first sight wins; the shop's own stream is what updates it). */
export const STATION_ORDER_INSERT = {
  head: "INSERT INTO hub_refund_orders (order_id, order_version, currency, paid_cents, lines, source) VALUES",
  columns: 6,
  tail: "ON CONFLICT (order_id) DO NOTHING"
} as const

/**
 * The hub's refund ledger: where every station's refund decisions meet. Each station keeps its own refunds
 * unique per (order, line, unit), but two stations grading the same parcel each number the unit locally; only
 * the hub sees both. It grants one claim per unit — a serialised unit by its serial, the others by count — and never
 * lets the order's refunds exceed what was paid. Units are counted per item (SKU) across the order's line numberings:
 * a shop may number an order's lines anew over the same items (Shopware's order edit), and a unit claimed on a line
 * the order no longer has is still a unit of its item, so an item's claims never exceed its quantity in the order,
 * however the lines that claimed them were numbered. A claim keeps the line it was made on (as the stations' refunds
 * do); a new one is made on the line the decision names when the order has it and it has a unit free, else on the
 * item's first line with a unit free (as the stations move units onto new lines). The first decision to arrive wins;
 * a later one for a claimed unit is not passed on to the shop, and its station is told why and which return holds the
 * unit. A decision of the item with no refund gives its unpaid claim up, so another return may refund the unit. The
 * item's latest decision is the one in force: a later one (whatever it pays) drops a decision still waiting for its order.
 * Runs inside the consumer's transaction: each event applies once, and a rejection is recorded per deciding
 * event, so a replay never sends a second request or a second rejection.
 */
export const makeRefundLedger = (sql: Sql["Service"]) => {
  const claimsOf = (orderId: string) =>
    sql.query<ClaimRow>(
      `SELECT order_id, line_id, decided_line_id, unit_key, sku, item_ref, return_id, station_id, amount_cents, status,
         serial, currency
       FROM hub_refund_claims WHERE order_id = ? ORDER BY created_at_ms, item_ref`,
      [orderId]
    )

  const orderOf = (orderId: string) =>
    Effect.map(
      sql.query<OrderRow>("SELECT paid_cents, lines FROM hub_refund_orders WHERE order_id = ?", [orderId]),
      (rows) =>
        rows[0] === undefined
          ? undefined
          : { paidCents: Number(rows[0].paid_cents), lines: JSON.parse(rows[0].lines) as ReadonlyArray<LedgerLine> }
    )

  /**
   * Keeps what each order paid per line, as a station's order.received tells it: it only tells the hub of an order it
   * has not heard of, and never changes one it has, so no station event can raise what a refund may reach.
   */
  const recordOrder = (order: Order) =>
    sql.write(
      `INSERT INTO hub_refund_orders (order_id, order_version, currency, paid_cents, lines, source) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (order_id) DO NOTHING`,
      orderRow(order, "station")
    )

  /**
   * Names the item of the claims made before the ledger kept items on these lines of the order, so they still count
   * against their item once the order no longer has the line.
   */
  const nameClaimedItems = (orderId: string, lines: ReadonlyArray<{ readonly lineId: string; readonly sku: string }>) =>
    Effect.forEach(
      lines,
      (line) =>
        sql.execute("UPDATE hub_refund_claims SET sku = ? WHERE order_id = ? AND line_id = ? AND sku IS NULL", [
          line.sku,
          orderId,
          line.lineId
        ]),
      { discard: true }
    )

  /**
   * Keeps what each order paid per line, as the shop's own stream tells it, which is the word on it: it replaces a
   * station's row, and a shop's row by a newer version, or by any over a version stored before versions were
   * checked that no sender can have given (`received.supersedes`, in the statement). The lines it replaces may
   * leave with their ids (a renumbering): claims on them keep their item first.
   */
  const recordShopOrder = (order: Order, received: InboundVersion) =>
    Effect.gen(function* () {
      const before = yield* orderOf(order.orderId)
      yield* nameClaimedItems(
        order.orderId,
        (before?.lines ?? []).flatMap((line) =>
          line.sku === undefined ? [] : [{ lineId: line.lineId, sku: line.sku }]
        )
      )
      yield* sql.write(
        `INSERT INTO hub_refund_orders (order_id, order_version, currency, paid_cents, lines, source) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (order_id) DO UPDATE SET order_version = excluded.order_version, currency = excluded.currency,
           paid_cents = excluded.paid_cents, lines = excluded.lines, source = excluded.source
         WHERE hub_refund_orders.source = 'station' OR excluded.order_version > hub_refund_orders.order_version
           OR hub_refund_orders.order_version > ?`,
        [...orderRow(order, "shop"), received.newestPlausible]
      )
    })

  /**
   * A station moved a parcel's units onto the order's new lines (`parcel.lines-renumbered`): the moves name the item
   * of each former line, which a claim made there before the ledger kept items is then known by.
   */
  const applyLinesRenumbered = (renumbered: typeof ParcelLinesRenumbered.payload.Type) =>
    nameClaimedItems(
      renumbered.orderId,
      renumbered.moves.map((move) => ({ lineId: move.fromLineId, sku: move.sku }))
    )

  /** A decision for an order (or a line) the hub does not know: kept, not passed on, until the order is known. */
  const park = (event: EventEnvelope, decided: LedgerDecision, orderId: string, nowMs: number) =>
    Effect.gen(function* () {
      const last = yield* sql.query<{ last: number | null }>(
        "SELECT MAX(received_seq) AS last FROM hub_refund_parked WHERE order_id = ?",
        [orderId]
      )
      const parked = yield* sql.execute(
        `INSERT INTO hub_refund_parked (decided_event_id, order_id, event, parked_at_ms, received_seq)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (decided_event_id) DO NOTHING`,
        [
          event.id,
          orderId,
          JSON.stringify({ id: event.id, siteId: event.siteId, stationId: event.stationId, decided }),
          nowMs,
          Number(last[0]?.last ?? 0) + 1
        ]
      )
      if (parked.changes > 0) {
        yield* Effect.logWarning(
          `refund ledger: ${decided.itemRef} of ${event.siteId}/${event.stationId} is for ${orderId} line ${decided.lineId}, which the hub does not know: not passed on to the shop until it does`
        )
      }
    })

  /**
   * The decisions parked for `orderId`, in the order the hub received them (`received_seq`, numbered per order as
   * `park` keeps them; the consumer applies each station's events in its order, and an order's one after another), so
   * that of two items racing for one unit the first to arrive wins when the order arrives too, as it would have had the
   * order been known. Not by when they were parked, then by event id: within a millisecond a UUIDv7 is random. Which of
   * two decisions of one item comes first cannot matter: no two of an item are ever parked for an order. `applyDecided`,
   * the only way to `park`, first drops the item's parked decision for the order (`dropParked`) in the same
   * transaction, so a later decision replaces the earlier one; `releaseParked` takes each row up through it again, and
   * one parked again goes after those still waiting.
   */
  const parkedOf = (orderId: string) =>
    Effect.map(
      sql.query<{ decided_event_id: string; event: string }>(
        "SELECT decided_event_id, event FROM hub_refund_parked WHERE order_id = ? ORDER BY received_seq, decided_event_id",
        [orderId]
      ),
      (rows) =>
        rows.map((row) => ({
          eventId: row.decided_event_id,
          ...(JSON.parse(row.event) as {
            readonly id: string
            readonly siteId: string
            readonly stationId: string
            readonly decided: LedgerDecision
          })
        }))
    )

  /**
   * Drops the decisions of `orderId` still waiting for the order (or line) that `matches`, saying why: a later decision
   * of the unit replaces them (the latest is the one in force), or their return was voided; the order's arrival then
   * takes up nothing of them.
   */
  const dropParked = (
    orderId: string,
    matches: (parked: { readonly siteId: string; readonly decided: LedgerDecision }) => boolean,
    because: string
  ) =>
    Effect.gen(function* () {
      for (const parked of yield* parkedOf(orderId)) {
        if (!matches(parked)) continue
        yield* sql.execute("DELETE FROM hub_refund_parked WHERE decided_event_id = ?", [parked.eventId])
        yield* Effect.logInfo(
          `refund ledger: ${oneLine(parked.decided.itemRef)} of ${oneLine(orderId)}: its decision waiting for the order (event ${oneLine(parked.eventId)}) is dropped, ${because}`
        )
      }
    })

  const request = (siteId: string, claim: RefundRequested, nowMs: number) =>
    enqueueHubMessage(
      sql,
      {
        stream: HubStream.shop(siteId),
        topic: Topics.refundRequests(siteId),
        type: "refund.requested",
        version: 1,
        payload: RefundRequested.make(claim)
      },
      nowMs
    )

  const reject = (
    event: EventEnvelope,
    decided: LedgerDecision & { orderId: string; lineId: string; unit: number },
    reason: RefundRejected["reason"],
    holder: ClaimRow,
    nowMs: number,
    linesKnown = true
  ) =>
    Effect.gen(function* () {
      const recorded = yield* sql.execute(
        `INSERT INTO hub_refund_rejections (decided_event_id, item_ref, order_id, line_id, return_id, site_id,
           station_id, reason, other_return_id, other_station_id, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (decided_event_id) DO NOTHING`,
        [
          event.id,
          decided.itemRef,
          decided.orderId,
          decided.lineId,
          decided.returnId,
          event.siteId,
          event.stationId,
          reason,
          holder.return_id,
          holder.station_id,
          nowMs
        ]
      )
      if (recorded.changes === 0) return
      const rejected: RefundRejected = {
        orderId: decided.orderId,
        lineId: decided.lineId,
        unit: decided.unit,
        itemRef: decided.itemRef,
        returnId: decided.returnId,
        reason,
        otherReturnId: holder.return_id,
        otherStationId: holder.station_id,
        otherStatus: holder.status,
        linesKnown
      }
      yield* enqueueHubMessage(
        sql,
        {
          stream: HubStream.station(event.siteId, event.stationId),
          topic: Topics.hubInbox(event.siteId, event.stationId, "refund.rejected"),
          type: "refund.rejected",
          version: 1,
          payload: rejected
        },
        nowMs
      )
    })

  /**
   * Gives up a claim the shop has not paid: the unit is free for another return, and the shop is told not to pay it (a
   * request of amount 0, saying why in `outcome`). A claim is the ledger's current word on the unit; what gave it up is
   * the station's event, kept in its log.
   */
  const release = (siteId: string, claim: ClaimRow, outcome: string, unit: number, nowMs: number) =>
    Effect.gen(function* () {
      yield* sql.execute("DELETE FROM hub_refund_claims WHERE item_ref = ?", [claim.item_ref])
      yield* request(
        siteId,
        {
          requestId: claim.item_ref,
          siteId,
          stationId: claim.station_id,
          returnId: claim.return_id,
          orderId: claim.order_id,
          lineId: claim.line_id,
          unit: slotUnit(claim.unit_key, unit),
          serial: claim.serial,
          outcome,
          amountCents: 0,
          currency: claim.currency
        },
        nowMs
      )
    })

  /** The lines of the order that count units of `item`. */
  const linesOf = (lines: ReadonlyArray<LedgerLine>, item: string) => lines.filter((line) => itemOfLine(line) === item)

  /**
   * The line and slot a new claim of `item` takes: the line the decision names when the order has it with a unit
   * free, else the item's first line with a unit free (a decision on a line the order no longer has, or on one whose
   * units others claimed under other numbers); the unit number the station gave when free there, else the first free.
   */
  const placeFor = (
    claims: ReadonlyArray<ClaimRow>,
    lines: ReadonlyArray<LedgerLine>,
    item: string,
    named: LedgerLine | undefined,
    unit: number,
    serial: string | null
  ): { readonly line: LedgerLine; readonly key: string } | undefined => {
    const onLine = (line: LedgerLine) => claims.filter((claim) => claim.line_id === line.lineId)
    const hasRoom = (line: LedgerLine) => onLine(line).length < line.quantity
    const ofItem = linesOf(lines, item)
    const line = (named !== undefined && hasRoom(named) ? named : ofItem.find(hasRoom)) ?? named ?? ofItem[0]
    if (line === undefined) return undefined
    if (serial !== null) return { line, key: `serial:${serial}` }
    const taken = new Set(onLine(line).map((claim) => claim.unit_key))
    const wanted = `unit:${unit}`
    if (line === named && !taken.has(wanted)) return { line, key: wanted }
    let free = 1
    while (taken.has(`unit:${free}`)) free++
    return { line, key: `unit:${free}` }
  }

  /**
   * The claim that already holds the unit, if any: the claim of the same serial of the item (or of a line whose item
   * is unknown: a claim from before the ledger kept items), else, when the item's claims are as many as the order has
   * units of it, the one of the same unit number on the named line or the item's last.
   */
  const holderOf = (
    claims: ReadonlyArray<ClaimRow>,
    lines: ReadonlyArray<LedgerLine>,
    item: string,
    named: LedgerLine | undefined,
    unit: number,
    serial: string | null
  ): ClaimRow | undefined => {
    const current = new Set(lines.map((line) => line.lineId))
    if (serial !== null) {
      const sameSerial = claims.find(
        (claim) =>
          claim.unit_key === `serial:${serial}` &&
          (itemOfClaim(claim, lines) === item || (claim.sku === null && !current.has(claim.line_id)))
      )
      if (sameSerial !== undefined) return sameSerial
    }
    const ofItem = claims.filter((claim) => itemOfClaim(claim, lines) === item)
    const units = linesOf(lines, item).reduce((sum, line) => sum + line.quantity, 0)
    if (ofItem.length < units) return undefined
    return (
      ofItem.find((claim) => claim.line_id === named?.lineId && claim.unit_key === `unit:${unit}`) ??
      ofItem[ofItem.length - 1]
    )
  }

  /**
   * When the shop paid the unit's refund through a shop connector (its refund push is `done`), which may be before its
   * station's `return.refund-issued` reaches the hub (`nowMs` for a push that kept no time); undefined when it did not
   * (or not that way).
   */
  const paidThroughShopAt = (itemRef: string, nowMs: number) =>
    Effect.map(refundPushLeft(sql, itemRef), (left) => paidAt(left, nowMs))

  /**
   * The shop paid the unit of `itemRef` at `paidAtMs`: its claim is final, and no later decision reaches the shop. A
   * claim issued already keeps when it was: a later word of the same payment (its station's after the shop's push, a
   * second `return.refund-issued`) moves nothing.
   */
  const markPaid = (itemRef: string, paidAtMs: number) =>
    sql.execute(
      "UPDATE hub_refund_claims SET status = 'issued', issued_at_ms = ? WHERE item_ref = ? AND status <> 'issued'",
      [paidAtMs, itemRef]
    )

  const isVoided = (siteId: string, returnId: string) =>
    Effect.map(
      sql.query("SELECT 1 AS found FROM hub_voided_returns WHERE site_id = ? AND return_id = ?", [siteId, returnId]),
      (rows) => rows.length > 0
    )

  const applyDecided = (event: EventEnvelope, decided: LedgerDecision, nowMs: number) =>
    Effect.gen(function* () {
      const { orderId, lineId, unit } = decided
      if (orderId === null || lineId === null || unit === null) return
      // A decision for a return the clerk voided claims nothing: the parcel was no return.
      if (yield* isVoided(event.siteId, decided.returnId)) return
      // The unit's latest decision is the one in force: one still waiting for the order no longer holds.
      yield* dropParked(
        orderId,
        (parked) => parked.decided.itemRef === decided.itemRef,
        `decided again (event ${oneLine(event.id)})`
      )
      const located = { ...decided, orderId, lineId, unit }
      const pays = paying.has(decided.outcome) && decided.amountCents > 0
      const claims = yield* claimsOf(orderId)
      const order = yield* orderOf(orderId)
      const own = claims.find((claim) => claim.item_ref === decided.itemRef)
      // Paid by the shop through its connector before the station's word of it: as final as a claim issued.
      const paidAtMs = own?.status === "requested" ? yield* paidThroughShopAt(own.item_ref, nowMs) : undefined
      if (paidAtMs !== undefined) {
        yield* markPaid(decided.itemRef, paidAtMs)
        // A no-refund's is told by the shop side, which withdraws nothing the shop paid (ShopOutbound).
        if (decided.outcome === "no-refund") return
        return yield* Effect.logWarning(
          `refund ledger: the decision of event ${oneLine(event.id)} for ${oneLine(decided.itemRef)} is not passed on: the shop paid its refund already: a manager must settle it`
        )
      }
      if (own?.status === "issued") return
      if (own === undefined && !pays) return
      // Decided (or corrected) to no refund: the unit is not this return's to refund, so its claim is given up (a later
      // return of the unit may be refunded) rather than kept at 0.
      if (own !== undefined && decided.outcome === "no-refund") {
        return yield* release(event.siteId, own, decided.outcome, unit, nowMs)
      }
      // Only for orders the hub knows, and only within what was paid: whatever a station's event says.
      if (order === undefined) return yield* park(event, decided, orderId, nowMs)
      const named = order.lines.find((candidate) => candidate.lineId === lineId)
      const others = claims.filter((claim) => claim.item_ref !== decided.itemRef)
      const ownLine = own === undefined ? undefined : order.lines.find((line) => line.lineId === own.line_id)
      // The item the unit is of: its claim's, or the named line's; for a line the order does not have (numbered
      // since, or not yet known here), the item the claim or the decision names when the order has it.
      const sku = own?.sku ?? decided.sku
      const item =
        own !== undefined && ownLine !== undefined
          ? itemOfClaim(own, order.lines)
          : own === undefined && named !== undefined
            ? itemOfLine(named)
            : sku !== null && order.lines.some((line) => line.sku === sku)
              ? `sku:${sku}`
              : named === undefined
                ? undefined
                : itemOfLine(named)
      if (own === undefined && item !== undefined) {
        const holder = holderOf(others, order.lines, item, named, unit, decided.serial)
        if (holder !== undefined) {
          // Across a renumbering when a line either station decided on, or the holder's claim is on, is one the order
          // no longer has (or does not have yet): the station then sees the same unit under another line id.
          const current = (lineId: string) => order.lines.some((line) => line.lineId === lineId)
          const across =
            named === undefined || !current(holder.line_id) || !current(holder.decided_line_id ?? holder.line_id)
          // A claim from before 70 has no line of its station's: whether it was decided on a former line is not known.
          const linesKnown = across || holder.decided_line_id !== null
          return yield* reject(
            event,
            located,
            across ? "duplicate-unit-renumbered" : "duplicate-unit",
            holder,
            nowMs,
            linesKnown
          )
        }
      }
      // A claim keeps its line while the order has it; one on a line the order no longer has moves to its item's.
      const place =
        own !== undefined && ownLine !== undefined
          ? { line: ownLine, key: own.unit_key }
          : item === undefined
            ? undefined
            : placeFor(
                others,
                order.lines,
                item,
                own === undefined ? named : undefined,
                own === undefined ? unit : slotUnit(own.unit_key, unit),
                decided.serial
              )
      if (place === undefined) return yield* park(event, decided, orderId, nowMs)
      const { line } = place
      const othersCents = others.reduce((sum, claim) => sum + Number(claim.amount_cents), 0)
      let amountCents = pays ? decided.amountCents : 0
      if (amountCents > line.paidUnitCents) {
        yield* Effect.logWarning(
          `refund ledger: ${decided.itemRef} asks ${amountCents} for a unit of ${orderId} line ${line.lineId} paid ${line.paidUnitCents}: the shop is asked for ${line.paidUnitCents}`
        )
        amountCents = line.paidUnitCents
      }
      if (pays && othersCents + amountCents > order.paidCents) {
        const holder = others[others.length - 1]
        if (holder !== undefined) return yield* reject(event, located, "paid-amount-exceeded", holder, nowMs)
        amountCents = Math.max(0, order.paidCents - othersCents)
      }
      if (own === undefined) {
        yield* sql.execute(
          `INSERT INTO hub_refund_claims (order_id, line_id, decided_line_id, unit_key, sku, item_ref, return_id, site_id,
             station_id, serial, outcome, amount_cents, currency, status, decided_event_id, created_at_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?) ON CONFLICT DO NOTHING`,
          [
            orderId,
            line.lineId,
            lineId,
            place.key,
            line.sku ?? decided.sku,
            decided.itemRef,
            decided.returnId,
            event.siteId,
            event.stationId,
            decided.serial,
            decided.outcome,
            amountCents,
            decided.currency,
            event.id,
            nowMs
          ]
        )
      } else {
        // The same item decided again (a manager's override or approval): the shop gets the revised request.
        yield* sql.execute(
          `UPDATE hub_refund_claims SET line_id = ?, decided_line_id = ?, unit_key = ?, sku = ?, outcome = ?,
             amount_cents = ?, decided_event_id = ? WHERE item_ref = ?`,
          [
            line.lineId,
            lineId,
            place.key,
            own.sku ?? line.sku ?? decided.sku,
            decided.outcome,
            amountCents,
            event.id,
            decided.itemRef
          ]
        )
      }
      yield* request(
        event.siteId,
        {
          requestId: decided.itemRef,
          siteId: event.siteId,
          stationId: event.stationId,
          returnId: decided.returnId,
          orderId,
          lineId: line.lineId,
          unit: line === named ? unit : slotUnit(place.key, unit),
          serial: decided.serial,
          outcome: decided.outcome,
          amountCents,
          currency: decided.currency
        },
        nowMs
      )
    })

  /** Decisions parked for `orderId`, taken up now that the order is known (each again by the rules above). */
  const releaseParked = (orderId: string, nowMs: number) =>
    Effect.gen(function* () {
      const rows = yield* parkedOf(orderId)
      for (const parked of rows) {
        yield* sql.execute("DELETE FROM hub_refund_parked WHERE decided_event_id = ?", [parked.eventId])
        yield* applyDecided(
          { id: parked.id, siteId: parked.siteId, stationId: parked.stationId } as EventEnvelope,
          parked.decided,
          nowMs
        )
      }
      return rows.length
    })

  /**
   * The shop paid, as the station says (`return.refund-issued`), when the station recorded it: its word may reach the
   * hub long after (offline, a backlog). A station's clock ahead of the hub's cannot put it in the hub's future.
   */
  const applyIssued = (event: EventEnvelope, issued: typeof ReturnRefundIssued.payload.Type, nowMs: number) =>
    markPaid(issued.itemRef, Math.min(event.eventTime.wallMs, nowMs))

  /**
   * A return the clerk voided (`return.cancelled`) no longer counts: it is recorded as voided, its decisions still
   * waiting for the order it names are dropped (one waiting for another order claims nothing once taken up: the return
   * is voided), and a claim it still holds without payment is given up, so the unit is free for the real return, and
   * the shop is told not to pay it (a request of amount 0). A unit the shop already paid stays claimed, as paid, whether
   * its station said so or the shop connector's push did (`paidThroughShopAt`): money out is undone by a manager, not
   * here. A claim whose refund the shop may have paid (its push `sending`, sent again after no answer, or its answer
   * unreadable: `refundPushLeft`)
   * is held as it is, logged for a manager, until the shop's answer to the push settles it (`settleVoidedClaim`): were
   * it given up, a later return of the unit could be paid again.
   */
  const applyReturnCancelled = (event: EventEnvelope, cancelled: typeof ReturnCancelled.payload.Type, nowMs: number) =>
    Effect.gen(function* () {
      const recorded = yield* sql.execute(
        `INSERT INTO hub_voided_returns (site_id, return_id, station_id, order_id, corrects, reason, voided_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site_id, return_id) DO NOTHING`,
        [
          event.siteId,
          cancelled.returnId,
          event.stationId,
          cancelled.orderId,
          cancelled.corrects,
          cancelled.reason.slice(0, 1000),
          event.eventTime.wallMs
        ]
      )
      if (recorded.changes === 0) return
      if (cancelled.orderId !== null) {
        yield* dropParked(
          cancelled.orderId,
          (parked) => parked.siteId === event.siteId && parked.decided.returnId === cancelled.returnId,
          `its return was voided (event ${oneLine(event.id)})`
        )
      }
      const claims = yield* sql.query<ClaimRow>(
        `SELECT order_id, line_id, decided_line_id, unit_key, sku, item_ref, return_id, station_id, amount_cents, status,
           serial, currency
         FROM hub_refund_claims WHERE site_id = ? AND return_id = ? ORDER BY item_ref`,
        [event.siteId, cancelled.returnId]
      )
      for (const claim of claims) {
        const left = yield* refundPushLeft(sql, claim.item_ref)
        const paidAtMs = paidAt(left, nowMs)
        if (claim.status === "requested") {
          if (left?.status === "sending" || left?.status === "retrying" || left?.status === "unread") {
            // The shop may have paid, or be paying: the claim is held until its answer settles it (`settleVoidedClaim`),
            // so no later return of the unit is paid again meanwhile.
            yield* Effect.logWarning(
              `refund ledger: return ${oneLine(cancelled.returnId)} of ${oneLine(event.siteId)} was voided while the shop ${whatTheShopDid(left.status, oneLine(claim.item_ref))}: its claim is held until ${left.status !== "unread" ? "the shop's answer settles it" : "the shop answers a manager's retry of its push: a manager must settle it"}`
            )
            continue
          }
          if (paidAtMs === undefined) {
            yield* release(event.siteId, claim, "return-voided", 1, nowMs)
            continue
          }
          // The shop paid before the station's word of it (`return.refund-issued`) reached the hub: the money left, so
          // the claim stays, as paid, and no later return of the unit is paid again.
          yield* markPaid(claim.item_ref, paidAtMs)
        }
        // A refund paid through a shop connector is told by the shop side's void (ShopOutbound), with its push.
        if (paidAtMs !== undefined) continue
        yield* Effect.logWarning(
          `hub refunds: return ${oneLine(cancelled.returnId)} of ${oneLine(event.siteId)} was voided after the shop paid ${oneLine(claim.item_ref)}: a manager must settle it`
        )
      }
    })

  /**
   * The shop answered the refund push of `itemRef`: a claim its voided return held while that answer was unknown
   * (`applyReturnCancelled`) is settled as the void would have settled it then. Paid (`done`), the claim is issued at
   * the payment; refused (or handed over for credentials the shop refused, which it acts on none of), it is given up,
   * as the void gives up an unpaid claim; an answer the hub could not read keeps it held, for a manager. Says which,
   * or undefined for a claim no voided return holds (the ledger's other claims wait for their station's word).
   */
  const settleVoidedClaim = (itemRef: string, nowMs: number) =>
    Effect.gen(function* () {
      const held = yield* sql.query<ClaimRow & { readonly site_id: string }>(
        `SELECT c.order_id, c.line_id, c.decided_line_id, c.unit_key, c.sku, c.item_ref, c.return_id, c.station_id,
           c.amount_cents, c.status, c.serial, c.currency, c.site_id
         FROM hub_refund_claims c JOIN hub_voided_returns v ON v.site_id = c.site_id AND v.return_id = c.return_id
         WHERE c.item_ref = ? AND c.status = 'requested'`,
        [itemRef]
      )
      const claim = held[0]
      if (claim === undefined) return undefined
      const left = yield* refundPushLeft(sql, itemRef)
      const paidAtMs = paidAt(left, nowMs)
      if (paidAtMs !== undefined) {
        yield* markPaid(itemRef, paidAtMs)
        return "issued" as const
      }
      if (left?.status === "unread") {
        yield* Effect.logWarning(
          `refund ledger: the shop's answer to the refund of ${oneLine(itemRef)}, whose return ${oneLine(claim.return_id)} of ${oneLine(claim.site_id)} was voided, could not be read: the shop may have paid it, so its claim stays held: a manager must settle it`
        )
        return "held" as const
      }
      if (left?.status === "sending" || left?.status === "retrying") return "held" as const
      yield* release(claim.site_id, claim, "return-voided", 1, nowMs)
      return "released" as const
    })

  return {
    settleVoidedClaim,
    recordOrder,
    recordShopOrder,
    applyLinesRenumbered,
    applyDecided,
    applyIssued,
    applyReturnCancelled,
    releaseParked
  }
}
