/** The shared context of the returns desk: services, active rules, lookups and the desk view. */
import { Effect, Ref, Schema } from "effect"
import { catalogItems } from "../catalog/CatalogLookup.ts"
import { EventLog } from "../events/EventLog.ts"
import { Order } from "../orders/Order.ts"
import { Session } from "../session/Session.ts"
import { nextCounter } from "../station/Counters.ts"
import { StationIdentity } from "../station/StationIdentity.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import type { EarlierReturn } from "./evaluateRefund.ts"
import type { RefundRuleSet } from "./RefundRules.ts"
import { readReturnNote } from "./ReturnNote.ts"
import {
  DAY_MS,
  declaredReasonFor,
  type ItemRow,
  type ParcelItemRow,
  type RefundRow,
  type ReturnRow,
  type RmaData,
  returnsError,
  type StoredDecision,
  toReturnsError,
  type WithAt
} from "./ReturnRows.ts"
import type {
  ItemDecisionView,
  ManagerSignOff,
  RefundStatus,
  ReturnCaseView,
  ReturnItemView,
  ReturnsView,
  ReturnWindowView,
  SameUnitView
} from "./ReturnsView.ts"

/**
 * What every part of the returns desk works with: the station's services, the active rules, the lookups of
 * orders, parcels, RMAs and returned items, and the desk view the screen shows. Built once per station.
 */
export const makeReturnsDesk = (activeRules: Ref.Ref<RefundRuleSet>) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const log = yield* EventLog
    const clock = yield* StationClock
    const session = yield* Session
    const identity = yield* StationIdentity

    const clerk = session.require(["returns-clerk", "manager"])
    const manager = session.require(["manager"])
    const timeOf = (input: WithAt) => (input.at === undefined ? clock.now : Effect.succeed(input.at))

    /** The catalog items a return's units name, found by their index: never the whole catalog per scan. */
    const catalogOf = (wanted: {
      readonly skus: ReadonlyArray<string | null>
      readonly gtin14s?: ReadonlyArray<string>
    }) =>
      catalogItems({
        skus: wanted.skus.flatMap((sku) => (sku === null ? [] : [sku])),
        gtin14s: wanted.gtin14s ?? []
      }).pipe(Effect.provideService(Sql, sql))
    const loadOrder = (orderId: string) =>
      Effect.map(sql.query<{ data: string }>("SELECT data FROM orders WHERE order_id = ?", [orderId]), (rows) =>
        rows[0] === undefined ? undefined : Schema.decodeUnknownSync(Order)(JSON.parse(rows[0].data))
      )
    const shippedOf = (orderId: string) =>
      sql.query<ParcelItemRow>(
        `SELECT i.parcel_id, i.line_id, i.sku, i.quantity, i.serial, i.lot FROM parcel_items i
             JOIN parcels p ON p.parcel_id = i.parcel_id WHERE p.order_id = ? AND p.status <> 'voided' ORDER BY i.rowid`,
        [orderId]
      )
    const rmasOf = (orderId: string) =>
      Effect.map(
        sql.query<{ rma_id: string; data: string }>("SELECT rma_id, data FROM rma WHERE order_id = ?", [orderId]),
        (rows) => rows.map((row) => ({ rmaId: row.rma_id, ...(JSON.parse(row.data) as RmaData) }))
      )

    /** The desk's numbers (returns, their items) come from the station's counters, in the caller's transaction. */
    const nextNumber = (name: string) => nextCounter(name).pipe(Effect.provideService(Sql, sql))

    const openReturn = Effect.map(
      sql.query<ReturnRow>(
        "SELECT * FROM returns WHERE status = 'open' ORDER BY received_at_ms DESC, rowid DESC LIMIT 1"
      ),
      (rows) => rows[0]
    )
    const requireOpenReturn = Effect.flatMap(openReturn, (row) =>
      row === undefined
        ? Effect.fail(returnsError("no-open-return", "Scan the returned parcel first"))
        : Effect.succeed(row)
    )

    /**
     * Whether a refund is decided for a unit of the return: the return then stays on record and cannot be cancelled
     * (a manager overrides the decision instead).
     */
    const refundDecidedIn = (returnId: string) =>
      Effect.map(
        sql.query<{ n: number }>(
          "SELECT COUNT(*) AS n FROM refunds WHERE item_ref IN (SELECT item_ref FROM return_items WHERE return_id = ?)",
          [returnId]
        ),
        (rows) => Number(rows[0]?.n ?? 0) > 0
      )

    /**
     * For each serialised item of `row`, the other items of the order's returns here (not cancelled, this one
     * included) with the same item and serial: the same physical unit, on whatever line it was taken in. Read through
     * the order's returns (`returns_order`) and their items, never the whole table.
     */
    const sameUnitsOf = (row: ReturnRow, lineIds: ReadonlySet<string>) =>
      Effect.map(
        row.order_id === null
          ? Effect.succeed([])
          : sql.query<{
              for_ref: string
              item_ref: string
              return_id: string
              rma_id: string | null
              status: "open" | "finished"
              line_id: string | null
              unit: number | null
              decided: number
              refund_status: RefundStatus | null
            }>(
              `SELECT i.item_ref AS for_ref, o.item_ref, o.return_id, r.rma_id, r.status, o.line_id, o.unit,
                   o.decision IS NOT NULL AS decided, f.status AS refund_status
                 FROM return_items i
                 JOIN returns r ON r.order_id = ? AND r.status <> 'cancelled'
                 JOIN return_items o ON o.return_id = r.return_id AND o.sku = i.sku AND o.serial = i.serial
                   AND o.item_ref <> i.item_ref
                 LEFT JOIN refunds f ON f.item_ref = o.item_ref
                 WHERE i.return_id = ? AND i.serial IS NOT NULL AND i.sku IS NOT NULL
                 ORDER BY r.received_at_ms, r.rowid, o.rowid`,
              [row.order_id, row.return_id]
            ),
        (rows) => {
          const found = new Map<string, Array<SameUnitView>>()
          for (const other of rows) {
            const list = found.get(other.for_ref) ?? []
            list.push({
              returnId: other.return_id,
              rmaId: other.rma_id,
              itemRef: other.item_ref,
              lineId: other.line_id,
              unit: other.unit === null ? null : Number(other.unit),
              formerLine: other.line_id !== null && !lineIds.has(other.line_id),
              returnStatus: other.status,
              decided: Number(other.decided) === 1,
              refundStatus: other.refund_status
            })
            found.set(other.for_ref, list)
          }
          return found as ReadonlyMap<string, ReadonlyArray<SameUnitView>>
        }
      )

    const windowOf = (row: ReturnRow, nowMs: number) =>
      Effect.gen(function* () {
        const windowDays = (yield* Ref.get(activeRules)).returnWindowDays
        let basis: ReturnWindowView["basis"] = "unknown"
        let sinceMs: number | null = null
        if (row.rma_id !== null) {
          const rma = yield* sql.query<{ data: string }>("SELECT data FROM rma WHERE rma_id = ?", [row.rma_id])
          const delivered = rma[0] === undefined ? undefined : (JSON.parse(rma[0].data) as RmaData).deliveredAt
          const deliveredMs = delivered === undefined ? Number.NaN : Date.parse(delivered)
          if (Number.isFinite(deliveredMs)) {
            basis = "delivery"
            sinceMs = deliveredMs
          }
        }
        if (sinceMs === null && row.order_id !== null) {
          const parcels = yield* sql.query<{ handed: number | null; packed: number }>(
            `SELECT MAX(s.scanned_wall_ms) AS handed, MAX(p.packed_at_ms) AS packed FROM parcels p
                 LEFT JOIN handover_scans s ON s.parcel_id = p.parcel_id
                 WHERE p.order_id = ? AND p.status <> 'voided' ${row.parcel_id === null ? "" : "AND p.parcel_id = ?"}`,
            row.parcel_id === null ? [row.order_id] : [row.order_id, row.parcel_id]
          )
          const found = parcels[0]
          if (found?.handed !== null && found?.handed !== undefined) {
            basis = "handover"
            sinceMs = Number(found.handed)
          } else if (found?.packed !== null && found?.packed !== undefined) {
            basis = "packed"
            sinceMs = Number(found.packed)
          }
        }
        const days = sinceMs === null ? null : Math.max(0, Math.floor((nowMs - sinceMs) / DAY_MS))
        const window: ReturnWindowView = {
          basis,
          sinceMs,
          days,
          windowDays,
          state: days === null ? "unknown" : days <= windowDays ? "open" : "closed"
        }
        return window
      })

    const caseView = (row: ReturnRow) =>
      Effect.gen(function* () {
        const now = yield* clock.now
        const order = row.order_id === null ? undefined : yield* loadOrder(row.order_id)
        const shipped = row.order_id === null ? [] : yield* shippedOf(row.order_id)
        const rmas = row.order_id === null ? [] : yield* rmasOf(row.order_id)
        const items = yield* sql.query<ItemRow>("SELECT * FROM return_items WHERE return_id = ? ORDER BY rowid", [
          row.return_id
        ])
        const catalog = yield* catalogOf({
          skus: items.map((item) => item.sku),
          gtin14s: items.flatMap((item) => (item.sku === null && item.gtin !== null ? [item.gtin] : []))
        })
        const refunds = yield* sql.query<RefundRow>(
          "SELECT * FROM refunds WHERE item_ref IN (SELECT item_ref FROM return_items WHERE return_id = ?)",
          [row.return_id]
        )
        const sameUnits = yield* sameUnitsOf(row, new Set(order?.lines.map((line) => line.lineId) ?? []))
        const itemViews = items.map((item): ReturnItemView => {
          const stored = item.decision === null ? null : (JSON.parse(item.decision) as StoredDecision)
          const refund = refunds.find((r) => r.item_ref === item.item_ref)
          const decision: typeof ItemDecisionView.Type | null =
            stored === null
              ? null
              : {
                  outcome: refund?.outcome ?? stored.outcome,
                  amountCents: refund === undefined ? stored.amountCents : Number(refund.amount_cents),
                  currency: stored.currency,
                  ruleId: refund === undefined ? stored.ruleId : refund.rule_id,
                  reason: stored.reason,
                  status: refund?.status ?? null,
                  signOff: refund?.override == null ? null : (JSON.parse(refund.override) as ManagerSignOff),
                  ...(stored.rejection === undefined ? {} : { rejection: stored.rejection })
                }
          const beyond = item.sku === null ? catalog.beyondBounds.find((c) => c.gtin14 === item.gtin) : undefined
          const sameUnitIn = sameUnits.get(item.item_ref)
          return {
            itemRef: item.item_ref,
            lineId: item.line_id,
            unit: item.unit === null ? null : Number(item.unit),
            sku: item.sku,
            name: catalog.items.find((c) => c.sku === item.sku)?.name ?? null,
            gtin: item.gtin,
            serial: item.serial,
            lot: item.lot,
            flags: JSON.parse(item.flags),
            ...(beyond === undefined ? {} : { beyondBounds: { sku: beyond.sku, fields: beyond.fields } }),
            ...(sameUnitIn === undefined ? {} : { sameUnitIn }),
            declaredReason: declaredReasonFor(rmas, row.rma_id, item.sku),
            grade: item.grade,
            opened: item.opened === null ? null : item.opened === 1,
            notes: item.notes,
            disposition: item.disposition,
            suggestedDisposition: stored?.suggestedDisposition ?? null,
            decision
          }
        })
        const view: ReturnCaseView = {
          returnId: row.return_id,
          status: row.status,
          known: row.order_id !== null,
          orderId: row.order_id,
          parcelId: row.parcel_id,
          rmaId: row.rma_id,
          currency: order?.payment.currency ?? null,
          notes: (JSON.parse(row.notes) as ReadonlyArray<string>).map(readReturnNote),
          shipped: shipped.map((s) => ({
            parcelId: s.parcel_id,
            lineId: s.line_id,
            sku: s.sku,
            quantity: Number(s.quantity),
            serial: s.serial,
            lot: s.lot
          })),
          declared: rmas.filter((rma) => row.rma_id === null || rma.rmaId === row.rma_id).flatMap((rma) => rma.items),
          window: yield* windowOf(row, now.wallMs),
          cancellable: row.status === "open" && refunds.length === 0,
          items: itemViews
        }
        return view
      })

    const currentView = Effect.gen(function* () {
      const row = yield* openReturn
      const view: ReturnsView = { current: row === undefined ? null : yield* caseView(row) }
      return view
    })

    const state = Effect.flatMap(clerk, () => currentView).pipe(Effect.mapError(toReturnsError))

    const itemOf = (itemRef: string) =>
      Effect.gen(function* () {
        const rows = yield* sql.query<ItemRow & { order_id: string | null; customer_id: string | null }>(
          `SELECT i.*, r.order_id, r.customer_id FROM return_items i JOIN returns r ON r.return_id = i.return_id
               WHERE i.item_ref = ?`,
          [itemRef]
        )
        const row = rows[0]
        if (row === undefined) return yield* Effect.fail(returnsError("item-unknown", `No returned item ${itemRef}`))
        return row
      })

    const identityOf = (row: ItemRow & { readonly order_id: string | null }) => ({
      returnId: row.return_id,
      itemRef: row.item_ref,
      orderId: row.order_id,
      lineId: row.line_id,
      unit: row.unit === null ? null : Number(row.unit),
      sku: row.sku,
      gtin: row.gtin,
      serial: row.serial,
      lot: row.lot
    })

    /** The customer's returns other than `returnId` received within the last `days` days, with what each refunded. */
    const historyOf = (customerId: string | null, returnId: string, nowMs: number, days: number) =>
      customerId === null
        ? Effect.succeed<ReadonlyArray<EarlierReturn>>([])
        : Effect.map(
            sql.query<{ at_ms: number; value: number }>(
              `SELECT r.received_at_ms AS at_ms, COALESCE(SUM(f.amount_cents), 0) AS value FROM returns r
                   LEFT JOIN return_items i ON i.return_id = r.return_id LEFT JOIN refunds f ON f.item_ref = i.item_ref
                   WHERE r.customer_id = ? AND r.return_id <> ? AND r.received_at_ms >= ? GROUP BY r.return_id`,
              [customerId, returnId, nowMs - days * DAY_MS]
            ),
            (rows) =>
              rows.map((row) => ({
                daysAgo: Math.max(0, Math.floor((nowMs - Number(row.at_ms)) / DAY_MS)),
                valueCents: Number(row.value)
              }))
          )

    return {
      sql,
      log,
      clock,
      identity,
      activeRules,
      clerk,
      manager,
      timeOf,
      catalogOf,
      loadOrder,
      shippedOf,
      rmasOf,
      nextNumber,
      openReturn,
      requireOpenReturn,
      windowOf,
      refundDecidedIn,
      sameUnitsOf,
      currentView,
      state,
      itemOf,
      identityOf,
      historyOf
    }
  })

export type ReturnsDesk = Effect.Success<ReturnType<typeof makeReturnsDesk>>
