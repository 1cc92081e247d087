import { Context, Effect, Layer, Ref, Schema } from "effect"
import { ApiError } from "../api/ApiError.ts"
import type { Operator } from "../api/StationApi.ts"
import { CatalogItem } from "../catalog/CatalogItem.ts"
import type { Actor } from "../events/Event.ts"
import { EventLog } from "../events/EventLog.ts"
import { Order } from "../orders/Order.ts"
import { identifyScan } from "../scan/identify.ts"
import type { ScanResult } from "../scan/ScanResult.ts"
import { Session } from "../session/Session.ts"
import { StationIdentity } from "../station/StationIdentity.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { StationClock, type Timestamp } from "../time/Clock.ts"
import {
  type EarlierReturn,
  evaluateRefund,
  firstMatchingRule,
  type RefundCase,
  type ReturnedUnit
} from "./evaluateRefund.ts"
import { paidPerUnit } from "./paidPerUnit.ts"
import {
  DeclaredReason,
  type Disposition,
  describeRuleProblems,
  type Grade,
  loadRules,
  type OutcomeKind,
  type RefundRuleSet
} from "./RefundRules.ts"
import {
  ReturnDispositionSet,
  type ReturnFlag,
  ReturnItemGraded,
  ReturnReceived,
  ReturnRefundDecided
} from "./ReturnsEvents.ts"
import type {
  ItemDecisionView,
  ManagerSignOff,
  RefundRejectionView,
  RefundStatus,
  ReturnCaseView,
  ReturnItemView,
  ReturnsView,
  ReturnWindowView,
  RulesPreview
} from "./ReturnsView.ts"

const DAY_MS = 86_400_000
const HISTORY_DAYS = 365

interface ReturnRow {
  readonly return_id: string
  readonly status: "open" | "finished"
  readonly order_id: string | null
  readonly parcel_id: string | null
  readonly rma_id: string | null
  readonly customer_id: string | null
  readonly scanned: string
  readonly notes: string
  readonly received_at_ms: number
}

interface ItemRow {
  readonly item_ref: string
  readonly return_id: string
  readonly line_id: string | null
  readonly unit: number | null
  readonly sku: string | null
  readonly gtin: string | null
  readonly serial: string | null
  readonly lot: string | null
  readonly flags: string
  readonly grade: Grade | null
  readonly opened: number | null
  readonly notes: string | null
  readonly disposition: Disposition | null
  readonly disposition_reason: string | null
  readonly decision: string | null
}

interface RefundRow {
  readonly order_id: string
  readonly line_id: string
  readonly unit: number
  readonly item_ref: string
  readonly outcome: OutcomeKind
  readonly amount_cents: number
  readonly currency: string
  readonly rule_id: string | null
  readonly status: RefundStatus
  readonly override: string | null
}

interface ParcelItemRow {
  readonly parcel_id: string
  readonly line_id: string
  readonly sku: string
  readonly quantity: number
  readonly serial: string | null
  readonly lot: string | null
}

/** What was decided for one unit, kept with the item together with the facts it was decided on (for rule previews). */
interface StoredDecision {
  readonly outcome: OutcomeKind
  readonly amountCents: number
  readonly suggestedCents: number
  readonly currency: string
  readonly ruleId: string | null
  readonly reason: { readonly de: string; readonly en: string }
  readonly suggestedDisposition: Disposition
  readonly facts: RefundCase | null
  /** Set when the hub refused the refund (see ReturnsInbound's `refund.rejected`). */
  readonly rejection?: RefundRejectionView
}

export interface ReturnsConfig {
  readonly rules: RefundRuleSet
  /** Hosts of RMA return-label URLs this site's shop prints. */
  readonly rmaHosts?: ReadonlyArray<string>
}

type WithAt = { readonly at?: Timestamp }

const apiError = (code: string, message: string) => new ApiError({ code, message })

const toApiError = (error: StoreError | ApiError): ApiError =>
  error._tag === "ApiError"
    ? error
    : error.reason === "Constraint"
      ? apiError("already-refunded", `A refund decision already exists for this unit: ${error.message}`)
      : apiError("store-unavailable", `The station database refused: ${error.message}`)

const actorOf = (operator: Operator): Actor => ({ role: operator.role, badgeId: operator.badgeId, name: operator.name })

const asDeclaredReason = (reason: string | undefined): DeclaredReason =>
  reason === undefined ? "none-given" : Schema.is(DeclaredReason)(reason) ? reason : "other"

/**
 * The returns desk: takes parcels in (never refusing one at the door), grades each unit against what was shipped,
 * and decides refunds with the rule engine. Every state change and its event commit in one transaction; the
 * refunds table's unique (order, line, unit) is the last guard against paying a unit twice.
 */
export class ReturnsService extends Context.Service<
  ReturnsService,
  {
    readonly state: Effect.Effect<ReturnsView, ApiError>
    readonly scan: (input: { readonly raw: string } & WithAt) => Effect.Effect<ReturnsView, ApiError>
    readonly grade: (
      input: {
        readonly itemRef: string
        readonly grade: Grade
        readonly opened?: boolean
        readonly notes?: string
      } & WithAt
    ) => Effect.Effect<ReturnsView, ApiError>
    readonly setDisposition: (
      input: { readonly itemRef: string; readonly disposition: Disposition; readonly reason?: string } & WithAt
    ) => Effect.Effect<ReturnsView, ApiError>
    readonly decide: (input: WithAt) => Effect.Effect<ReturnsView, ApiError>
    readonly override: (
      input: {
        readonly itemRef: string
        readonly outcome: OutcomeKind
        readonly amountCents?: number
        readonly reason: string
      } & WithAt
    ) => Effect.Effect<ReturnsView, ApiError>
    readonly approve: (
      input: { readonly itemRef: string; readonly reason: string } & WithAt
    ) => Effect.Effect<ReturnsView, ApiError>
    readonly finish: (input: WithAt) => Effect.Effect<ReturnsView, ApiError>
    readonly previewRules: (raw: unknown) => Effect.Effect<RulesPreview, ApiError>
    /** Activates a new rule file, keeping the current rules when it is malformed (the error says where). */
    readonly replaceRules: (raw: unknown) => Effect.Effect<RefundRuleSet, ApiError>
    /** Installs a rule set the shop sent (no operator involved); a malformed set fails and the active one stays. */
    readonly installRules: (raw: unknown) => Effect.Effect<RefundRuleSet, ApiError>
    readonly rules: Effect.Effect<RefundRuleSet>
  }
>()("packbench/core/returns/ReturnsService") {
  static readonly layer = (config: ReturnsConfig) =>
    Layer.effect(
      ReturnsService,
      Effect.gen(function* () {
        const sql = yield* Sql
        const log = yield* EventLog
        const clock = yield* StationClock
        const session = yield* Session
        const identity = yield* StationIdentity
        const activeRules = yield* Ref.make(config.rules)

        const clerk = session.require(["returns-clerk", "manager"])
        const manager = session.require(["manager"])
        const timeOf = (input: WithAt) => (input.at === undefined ? clock.now : Effect.succeed(input.at))

        const loadCatalog = Effect.map(sql.query<{ data: string }>("SELECT data FROM catalog_items"), (rows) =>
          rows.map((row) => Schema.decodeUnknownSync(CatalogItem)(JSON.parse(row.data)))
        )
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

        const nextNumber = (name: string) =>
          Effect.gen(function* () {
            const rows = yield* sql.query<{ next: number }>("SELECT next FROM pack_counters WHERE name = ?", [name])
            const next = Number(rows[0]?.next ?? 1)
            yield* sql.execute(
              "INSERT INTO pack_counters (name, next) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET next = excluded.next",
              [name, next + 1]
            )
            return next
          })

        const openReturn = Effect.map(
          sql.query<ReturnRow>(
            "SELECT * FROM returns WHERE status = 'open' ORDER BY received_at_ms DESC, rowid DESC LIMIT 1"
          ),
          (rows) => rows[0]
        )
        const requireOpenReturn = Effect.flatMap(openReturn, (row) =>
          row === undefined
            ? Effect.fail(apiError("no-open-return", "Scan the returned parcel first"))
            : Effect.succeed(row)
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
            const catalog = yield* loadCatalog
            const order = row.order_id === null ? undefined : yield* loadOrder(row.order_id)
            const shipped = row.order_id === null ? [] : yield* shippedOf(row.order_id)
            const rmas = row.order_id === null ? [] : yield* rmasOf(row.order_id)
            const items = yield* sql.query<ItemRow>("SELECT * FROM return_items WHERE return_id = ? ORDER BY rowid", [
              row.return_id
            ])
            const refunds = yield* sql.query<RefundRow>(
              "SELECT * FROM refunds WHERE item_ref IN (SELECT item_ref FROM return_items WHERE return_id = ?)",
              [row.return_id]
            )
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
              return {
                itemRef: item.item_ref,
                lineId: item.line_id,
                unit: item.unit === null ? null : Number(item.unit),
                sku: item.sku,
                name: catalog.find((c) => c.sku === item.sku)?.name ?? null,
                gtin: item.gtin,
                serial: item.serial,
                lot: item.lot,
                flags: JSON.parse(item.flags),
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
              notes: JSON.parse(row.notes),
              shipped: shipped.map((s) => ({
                parcelId: s.parcel_id,
                lineId: s.line_id,
                sku: s.sku,
                quantity: Number(s.quantity),
                serial: s.serial,
                lot: s.lot
              })),
              declared: rmas
                .filter((rma) => row.rma_id === null || rma.rmaId === row.rma_id)
                .flatMap((rma) => rma.items),
              window: yield* windowOf(row, now.wallMs),
              items: itemViews
            }
            return view
          })

        const currentView = Effect.gen(function* () {
          const row = yield* openReturn
          const view: ReturnsView = { current: row === undefined ? null : yield* caseView(row) }
          return view
        })

        const state = Effect.flatMap(clerk, () => currentView).pipe(Effect.mapError(toApiError))

        /** Finds what a parcel scan points at, trying the raw text first: a tracking number is stored as printed. */
        const findParcel = (raw: string, scan: ScanResult) =>
          Effect.gen(function* () {
            const text = raw.trim().toUpperCase()
            const candidates = [text, text.replace(/ /g, "")]
            if (scan.kind === "packbench") candidates.push(scan.id)
            if (scan.kind === "sscc") candidates.push(scan.ais[0]?.value ?? "")
            const marks = candidates.map(() => "?").join(", ")
            const rmas = yield* sql.query<{ rma_id: string; order_id: string; data: string }>(
              `SELECT rma_id, order_id, data FROM rma WHERE rma_id IN (${marks})
               OR json_extract(data, '$.returnTrackingNumber') IN (${marks})`,
              [...candidates, ...candidates]
            )
            const rma = rmas[0]
            const parcels = yield* sql.query<{ parcel_id: string; order_id: string; data: string }>(
              `SELECT parcel_id, order_id, data FROM parcels WHERE parcel_id IN (${marks})
               OR tracking_number IN (${marks}) OR sscc IN (${marks})`,
              [...candidates, ...candidates, ...candidates]
            )
            const parcel = parcels[0]
            // A typed order number (no label left on the parcel) is the last resort before "unknown return".
            const orderId =
              rma?.order_id ?? parcel?.order_id ?? (scan.kind === "packbench" && scan.type === "order" ? scan.id : text)
            const order = yield* loadOrder(orderId)
            return {
              rmaId: rma?.rma_id ?? null,
              parcelId: parcel?.parcel_id ?? null,
              ssccUrn:
                parcel === undefined ? null : ((JSON.parse(parcel.data) as { ssccUrn?: string }).ssccUrn ?? null),
              order
            }
          })

        const receive = (raw: string, scan: ScanResult, at: Timestamp, operator: Operator) =>
          Effect.gen(function* () {
            const found = yield* findParcel(raw, scan)
            const returnId = `${identity.stationId}-R${String(yield* nextNumber("return")).padStart(6, "0")}`
            const notes =
              found.order === undefined
                ? [`No order found for "${raw.trim()}" (${scan.kind}): taken in as an unknown return`]
                : []
            yield* sql.execute(
              `INSERT INTO returns (return_id, status, order_id, parcel_id, rma_id, customer_id, scanned, notes,
                 received_at_ms) VALUES (?, 'open', ?, ?, ?, ?, ?, ?, ?)`,
              [
                returnId,
                found.order?.orderId ?? null,
                found.parcelId,
                found.rmaId,
                found.order?.customer.customerId ?? null,
                raw,
                JSON.stringify(notes),
                at.wallMs
              ]
            )
            yield* log.append(
              ReturnReceived,
              {
                returnId,
                known: found.order !== undefined,
                orderId: found.order?.orderId ?? null,
                parcelId: found.parcelId,
                rmaId: found.rmaId,
                ssccUrn: found.ssccUrn,
                scanned: raw,
                notes: notes.join("\n")
              },
              { eventTime: at, actor: actorOf(operator) }
            )
          })

        /** Matches a scanned unit against what was shipped for the order, flagging what does not fit. */
        const addItem = (current: ReturnRow, scan: ScanResult, catalog: ReadonlyArray<CatalogItem>) =>
          Effect.gen(function* () {
            const ai = (code: string) =>
              scan.kind === "gs1" || scan.kind === "digital-link"
                ? scan.ais.find((e) => e.ai === code)?.value
                : undefined
            const gtin = scan.kind === "gtin" ? scan.gtin : ai("01")
            const serial = ai("21") ?? null
            const lot = ai("10") ?? null
            const item =
              scan.kind === "sku"
                ? catalog.find((c) => c.sku === scan.sku)
                : catalog.find((c) => gtin !== undefined && c.gtin.padStart(14, "0") === gtin)
            const flags: Array<ReturnFlag> = []
            let lineId: string | null = null
            let unit: number | null = null
            if (item === undefined) flags.push("unknown-item")
            const order = current.order_id === null ? undefined : yield* loadOrder(current.order_id)
            if (item !== undefined && order !== undefined) {
              const lines = order.lines.filter((line) => line.sku === item.sku)
              if (lines.length === 0) flags.push("not-in-order")
              const shipped = (yield* shippedOf(order.orderId)).filter((s) => s.sku === item.sku)
              const bySerial = serial === null ? undefined : shipped.find((s) => s.serial === serial)
              if (serial !== null && bySerial === undefined && lines.length > 0) flags.push("serial-mismatch")
              const shippedLots = shipped.flatMap((s) => (s.lot === null ? [] : [s.lot]))
              if (lot !== null && shippedLots.length > 0 && !shippedLots.includes(lot)) flags.push("lot-mismatch")
              const line = bySerial === undefined ? lines[0] : lines.find((l) => l.lineId === bySerial.line_id)
              if (line !== undefined) {
                lineId = line.lineId
                const taken = yield* sql.query<{ unit: number }>(
                  `SELECT i.unit FROM return_items i JOIN returns r ON r.return_id = i.return_id
                   WHERE r.order_id = ? AND i.line_id = ? AND i.unit IS NOT NULL
                   UNION SELECT unit FROM refunds WHERE order_id = ? AND line_id = ?`,
                  [order.orderId, line.lineId, order.orderId, line.lineId]
                )
                const used = new Set(taken.map((t) => Number(t.unit)))
                const serialIndex =
                  bySerial === undefined
                    ? -1
                    : shipped.filter((s) => s.line_id === line.lineId && s.serial !== null).indexOf(bySerial)
                // A serialised unit keeps its number however often it is scanned, so a second grading of the same
                // unit meets the refund already decided for it instead of claiming another unit of the line.
                const free = Array.from({ length: line.quantity }, (_, index) => index + 1).find((u) => !used.has(u))
                unit = serialIndex >= 0 ? serialIndex + 1 : (free ?? null)
                if (unit === null) flags.push("more-than-shipped")
              }
            }
            const itemRef = `${current.return_id}-${String(yield* nextNumber(`return-item:${current.return_id}`)).padStart(2, "0")}`
            yield* sql.execute(
              `INSERT INTO return_items (item_ref, return_id, line_id, unit, sku, gtin, serial, lot, flags)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
              [
                itemRef,
                current.return_id,
                lineId,
                unit,
                item?.sku ?? null,
                gtin ?? item?.gtin.padStart(14, "0") ?? null,
                serial,
                lot,
                JSON.stringify(flags)
              ]
            )
          })

        const scan = Effect.fn("ReturnsService.scan")(function* (input: { readonly raw: string } & WithAt) {
          const operator = yield* clerk
          const at = yield* timeOf(input)
          const catalog = yield* loadCatalog
          const codes = new Map<string, string>()
          for (const item of catalog) {
            codes.set(item.sku.toUpperCase(), item.sku)
            for (const alias of item.aliases) codes.set(alias.toUpperCase(), item.sku)
          }
          const current = yield* openReturn
          const scanned = identifyScan(input.raw, {
            expect: current === undefined ? "tracking" : "any",
            resolveSku: (code) => codes.get(code.trim().toUpperCase()),
            ...(config.rmaHosts === undefined ? {} : { rmaHosts: config.rmaHosts })
          })
          yield* sql.transaction<void, StoreError | ApiError, never>(
            current === undefined
              ? receive(input.raw, scanned, at, operator)
              : scanned.kind === "gtin" ||
                  scanned.kind === "gs1" ||
                  scanned.kind === "digital-link" ||
                  scanned.kind === "sku"
                ? addItem(current, scanned, catalog)
                : Effect.fail(
                    apiError(
                      "return-open",
                      `Return ${current.return_id} is still open: finish it before taking in another parcel (scanned ${scanned.kind})`
                    )
                  )
          )
          return yield* currentView
        }, Effect.mapError(toApiError))

        const itemOf = (itemRef: string) =>
          Effect.gen(function* () {
            const rows = yield* sql.query<ItemRow & { order_id: string | null; customer_id: string | null }>(
              `SELECT i.*, r.order_id, r.customer_id FROM return_items i JOIN returns r ON r.return_id = i.return_id
               WHERE i.item_ref = ?`,
              [itemRef]
            )
            const row = rows[0]
            if (row === undefined) return yield* Effect.fail(apiError("item-unknown", `No returned item ${itemRef}`))
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

        const grade = Effect.fn("ReturnsService.grade")(function* (
          input: {
            readonly itemRef: string
            readonly grade: Grade
            readonly opened?: boolean
            readonly notes?: string
          } & WithAt
        ) {
          const operator = yield* clerk
          const at = yield* timeOf(input)
          yield* sql.transaction(
            Effect.gen(function* () {
              const row = yield* itemOf(input.itemRef)
              if (row.decision !== null) {
                return yield* Effect.fail(
                  apiError("already-decided", `${input.itemRef} is decided: a manager can override`)
                )
              }
              const opened = input.opened ?? input.grade !== "new-sealed"
              const rmas = row.order_id === null ? [] : yield* rmasOf(row.order_id)
              const returnRow = yield* sql.query<{ rma_id: string | null }>(
                "SELECT rma_id FROM returns WHERE return_id = ?",
                [row.return_id]
              )
              yield* sql.execute("UPDATE return_items SET grade = ?, opened = ?, notes = ? WHERE item_ref = ?", [
                input.grade,
                opened ? 1 : 0,
                input.notes ?? null,
                input.itemRef
              ])
              yield* log.append(
                ReturnItemGraded,
                {
                  ...identityOf(row),
                  grade: input.grade,
                  opened,
                  declaredReason: declaredReasonFor(rmas, returnRow[0]?.rma_id ?? null, row.sku),
                  flags: JSON.parse(row.flags),
                  notes: input.notes ?? null
                },
                { eventTime: at, actor: actorOf(operator) }
              )
            })
          )
          return yield* currentView
        }, Effect.mapError(toApiError))

        const setDisposition = Effect.fn("ReturnsService.setDisposition")(function* (
          input: { readonly itemRef: string; readonly disposition: Disposition; readonly reason?: string } & WithAt
        ) {
          const operator = yield* clerk
          const at = yield* timeOf(input)
          yield* sql.transaction(
            Effect.gen(function* () {
              const row = yield* itemOf(input.itemRef)
              const suggested =
                row.decision === null ? null : (JSON.parse(row.decision) as StoredDecision).suggestedDisposition
              const reason = input.reason?.trim() ?? ""
              if (suggested !== null && input.disposition !== suggested && reason === "") {
                return yield* Effect.fail(
                  apiError("reason-required", `The rules suggest ${suggested}: say why ${input.disposition} instead`)
                )
              }
              yield* sql.execute("UPDATE return_items SET disposition = ?, disposition_reason = ? WHERE item_ref = ?", [
                input.disposition,
                reason === "" ? null : reason,
                input.itemRef
              ])
              yield* log.append(
                ReturnDispositionSet,
                {
                  ...identityOf(row),
                  disposition: input.disposition,
                  suggested,
                  reason: reason === "" ? null : reason
                },
                { eventTime: at, actor: actorOf(operator) }
              )
            })
          )
          return yield* currentView
        }, Effect.mapError(toApiError))

        const historyOf = (customerId: string | null, returnId: string, nowMs: number) =>
          customerId === null
            ? Effect.succeed<ReadonlyArray<EarlierReturn>>([])
            : Effect.map(
                sql.query<{ at_ms: number; value: number }>(
                  `SELECT r.received_at_ms AS at_ms, COALESCE(SUM(f.amount_cents), 0) AS value FROM returns r
                   LEFT JOIN return_items i ON i.return_id = r.return_id LEFT JOIN refunds f ON f.item_ref = i.item_ref
                   WHERE r.customer_id = ? AND r.return_id <> ? AND r.received_at_ms >= ? GROUP BY r.return_id`,
                  [customerId, returnId, nowMs - HISTORY_DAYS * DAY_MS]
                ),
                (rows) =>
                  rows.map((row) => ({
                    daysAgo: Math.max(0, Math.floor((nowMs - Number(row.at_ms)) / DAY_MS)),
                    valueCents: Number(row.value)
                  }))
              )

        const decide = Effect.fn("ReturnsService.decide")(function* (input: WithAt) {
          const operator = yield* clerk
          const at = yield* timeOf(input)
          const rules = yield* Ref.get(activeRules)
          yield* sql.transaction(
            Effect.gen(function* () {
              const current = yield* requireOpenReturn
              const items = (yield* sql.query<ItemRow>(
                "SELECT * FROM return_items WHERE return_id = ? ORDER BY rowid",
                [current.return_id]
              )).filter((item) => item.decision === null)
              if (items.some((item) => item.grade === null)) {
                return yield* Effect.fail(apiError("not-graded", "Grade every item before deciding the refund"))
              }
              const order = current.order_id === null ? undefined : yield* loadOrder(current.order_id)
              const catalog = yield* loadCatalog
              const rmas = order === undefined ? [] : yield* rmasOf(order.orderId)
              const window = yield* windowOf(current, at.wallMs)
              const refunded =
                order === undefined
                  ? []
                  : yield* sql.query<{ line_id: string; unit: number; amount_cents: number }>(
                      "SELECT line_id, unit, amount_cents FROM refunds WHERE order_id = ?",
                      [order.orderId]
                    )
              const paid = order === undefined ? new Map<string, number>() : paidPerUnit(order)
              const eligible = items.filter(
                (item) =>
                  order !== undefined &&
                  item.line_id !== null &&
                  item.unit !== null &&
                  JSON.parse(item.flags).length === 0
              )
              const units = eligible.map(
                (item): ReturnedUnit => ({
                  key: { lineId: item.line_id!, unit: Number(item.unit) },
                  sku: item.sku!,
                  category: catalog.find((c) => c.sku === item.sku)?.category ?? "",
                  grade: item.grade!,
                  reason: declaredReasonFor(rmas, current.rma_id, item.sku),
                  paidCents: paid.get(item.line_id!) ?? 0,
                  parcelOpened: item.opened === 1
                })
              )
              const refundCase: RefundCase | null =
                order === undefined
                  ? null
                  : {
                      order: {
                        orderId: order.orderId,
                        currency: order.payment.currency,
                        paymentMethod: order.payment.method,
                        totalCents: Math.round(order.payment.total * 100)
                      },
                      daysSinceDelivery: window.days,
                      units,
                      history: yield* historyOf(current.customer_id, current.return_id, at.wallMs),
                      alreadyRefunded: refunded.map((r) => ({ lineId: r.line_id, unit: Number(r.unit) })),
                      alreadyRefundedCents: refunded.reduce((sum, r) => sum + Number(r.amount_cents), 0)
                    }
              const decisions = refundCase === null ? [] : evaluateRefund(rules, refundCase)
              const currency = order?.payment.currency ?? ""
              for (const item of items) {
                const index = eligible.indexOf(item)
                const decision = decisions[index]
                const unit = units[index]
                if (decision?.outcome === "already-refunded") {
                  return yield* Effect.fail(
                    apiError(
                      "already-refunded",
                      `Line ${item.line_id}, unit ${item.unit} of ${current.order_id} was already decided: no second refund`
                    )
                  )
                }
                const flags: ReadonlyArray<string> = JSON.parse(item.flags)
                // Anything that does not match what was shipped goes to a person, whatever the rules would say.
                const stored: StoredDecision =
                  decision !== undefined && refundCase !== null && unit !== undefined
                    ? {
                        outcome: decision.outcome as OutcomeKind,
                        amountCents: decision.amountCents,
                        suggestedCents: decision.suggestedCents,
                        currency,
                        ruleId: decision.ruleId,
                        reason: decision.reason,
                        suggestedDisposition: decision.disposition ?? "restock",
                        facts: { ...refundCase, units: [unit], alreadyRefunded: [], alreadyRefundedCents: 0 }
                      }
                    : {
                        outcome: "hold-for-review",
                        amountCents: 0,
                        suggestedCents: 0,
                        currency,
                        ruleId: null,
                        reason:
                          order === undefined
                            ? { de: "Unbekannte Retoure: Prüfung", en: "Unknown return: review" }
                            : {
                                de: `Abweichung (${flags.join(", ")}): Prüfung`,
                                en: `Mismatch (${flags.join(", ")}): review`
                              },
                        suggestedDisposition: "return-to-vendor",
                        facts: null
                      }
                yield* sql.execute("UPDATE return_items SET decision = ? WHERE item_ref = ?", [
                  JSON.stringify(stored),
                  item.item_ref
                ])
                if (order !== undefined && item.line_id !== null && item.unit !== null) {
                  yield* sql.execute(
                    `INSERT INTO refunds (order_id, line_id, unit, item_ref, customer_id, outcome, amount_cents, currency,
                         rule_id, status, decided_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
                    [
                      order.orderId,
                      item.line_id,
                      item.unit,
                      item.item_ref,
                      current.customer_id,
                      stored.outcome,
                      stored.amountCents,
                      currency,
                      stored.ruleId,
                      stored.outcome === "hold-for-review" ? "held" : "decided",
                      at.wallMs
                    ]
                  )
                }
                const identity = identityOf({ ...item, order_id: current.order_id })
                yield* log.append(
                  ReturnRefundDecided,
                  {
                    ...identity,
                    outcome: stored.outcome,
                    amountCents: stored.amountCents,
                    currency,
                    ruleId: stored.ruleId,
                    reason: stored.reason,
                    source: "rules",
                    previousOutcome: null
                  },
                  { eventTime: at, actor: actorOf(operator) }
                )
                if (item.disposition === null) {
                  yield* sql.execute("UPDATE return_items SET disposition = ? WHERE item_ref = ?", [
                    stored.suggestedDisposition,
                    item.item_ref
                  ])
                  yield* log.append(
                    ReturnDispositionSet,
                    {
                      ...identity,
                      disposition: stored.suggestedDisposition,
                      suggested: stored.suggestedDisposition,
                      reason: null
                    },
                    { eventTime: at, actor: actorOf(operator) }
                  )
                }
              }
            })
          )
          return yield* currentView
        }, Effect.mapError(toApiError))

        /** A manager's change of one unit's decision; the amount is capped by what was paid and what is left. */
        const signOff = (
          input: { readonly itemRef: string; readonly reason: string } & WithAt,
          kind: ManagerSignOff["kind"],
          choose: (
            refund: RefundRow,
            stored: StoredDecision
          ) => Effect.Effect<{ outcome: OutcomeKind; requested: number }, ApiError>
        ) =>
          Effect.gen(function* () {
            const operator = yield* manager
            const at = yield* timeOf(input)
            if (input.reason.trim() === "") return yield* Effect.fail(apiError("reason-required", "Say why"))
            yield* sql.transaction(
              Effect.gen(function* () {
                const row = yield* itemOf(input.itemRef)
                const refunds = yield* sql.query<RefundRow>("SELECT * FROM refunds WHERE item_ref = ?", [input.itemRef])
                const refund = refunds[0]
                if (refund === undefined || row.decision === null) {
                  return yield* Effect.fail(
                    apiError(
                      "nothing-to-refund",
                      `${input.itemRef} has no order line to refund (decide it first, or it is not in the order)`
                    )
                  )
                }
                if (refund.status === "issued") {
                  return yield* Effect.fail(
                    apiError("already-refunded", `The refund for ${input.itemRef} was already paid out`)
                  )
                }
                const stored = JSON.parse(row.decision) as StoredDecision
                const choice = yield* choose(refund, stored)
                const order = yield* loadOrder(refund.order_id)
                const paid = order === undefined ? 0 : (paidPerUnit(order).get(refund.line_id) ?? 0)
                const others = yield* sql.query<{ total: number | null }>(
                  "SELECT SUM(amount_cents) AS total FROM refunds WHERE order_id = ? AND item_ref <> ?",
                  [refund.order_id, input.itemRef]
                )
                const left = Math.max(0, Math.round((order?.payment.total ?? 0) * 100) - Number(others[0]?.total ?? 0))
                const amount =
                  choice.outcome === "exchange" || choice.outcome === "hold-for-review"
                    ? 0
                    : Math.max(0, Math.min(Math.round(choice.requested), paid, left))
                const record: ManagerSignOff = {
                  badgeId: operator.badgeId,
                  name: operator.name,
                  atMs: at.wallMs,
                  reason: input.reason.trim(),
                  kind
                }
                const status: RefundStatus =
                  choice.outcome === "hold-for-review" ? "held" : kind === "approval" ? "approved" : "decided"
                yield* sql.execute(
                  "UPDATE refunds SET outcome = ?, amount_cents = ?, status = ?, override = ? WHERE item_ref = ?",
                  [choice.outcome, amount, status, JSON.stringify(record), input.itemRef]
                )
                const reason = {
                  de: `${kind === "approval" ? "Freigegeben" : "Geändert"} von ${operator.name}: ${record.reason}`,
                  en: `${kind === "approval" ? "Approved" : "Overridden"} by ${operator.name}: ${record.reason}`
                }
                yield* sql.execute("UPDATE return_items SET decision = ? WHERE item_ref = ?", [
                  JSON.stringify({ ...stored, outcome: choice.outcome, amountCents: amount, reason }),
                  input.itemRef
                ])
                yield* log.append(
                  ReturnRefundDecided,
                  {
                    ...identityOf(row),
                    outcome: choice.outcome,
                    amountCents: amount,
                    currency: refund.currency,
                    ruleId: refund.rule_id,
                    reason,
                    source: kind === "approval" ? "manager-approval" : "manager-override",
                    previousOutcome: refund.outcome
                  },
                  { eventTime: at, actor: actorOf(operator) }
                )
              })
            )
            return yield* currentView
          })

        const override = Effect.fn("ReturnsService.override")(function* (
          input: {
            readonly itemRef: string
            readonly outcome: OutcomeKind
            readonly amountCents?: number
            readonly reason: string
          } & WithAt
        ) {
          return yield* signOff(input, "override", () =>
            input.outcome === "refund-partial" && input.amountCents === undefined
              ? Effect.fail(apiError("amount-required", "A partial refund needs the amount"))
              : Effect.succeed({
                  outcome: input.outcome,
                  requested: input.amountCents ?? Number.MAX_SAFE_INTEGER
                })
          )
        }, Effect.mapError(toApiError))

        const approve = Effect.fn("ReturnsService.approve")(function* (
          input: { readonly itemRef: string; readonly reason: string } & WithAt
        ) {
          return yield* signOff(input, "approval", (refund, stored) =>
            refund.status === "held"
              ? Effect.succeed({
                  outcome: "refund-full" as const,
                  requested: stored.suggestedCents > 0 ? stored.suggestedCents : Number.MAX_SAFE_INTEGER
                })
              : Effect.fail(apiError("not-held", `${input.itemRef} is not held for review (${refund.status})`))
          )
        }, Effect.mapError(toApiError))

        const finish = Effect.fn("ReturnsService.finish")(function* (input: WithAt) {
          yield* clerk
          const at = yield* timeOf(input)
          const current = yield* requireOpenReturn
          const open = yield* sql.query<{ n: number }>(
            "SELECT COUNT(*) AS n FROM return_items WHERE return_id = ? AND decision IS NULL",
            [current.return_id]
          )
          if (Number(open[0]?.n ?? 0) > 0) {
            return yield* Effect.fail(apiError("not-decided", "Grade and decide every item before finishing"))
          }
          yield* sql.execute("UPDATE returns SET status = 'finished', finished_at_ms = ? WHERE return_id = ?", [
            at.wallMs,
            current.return_id
          ])
          return yield* currentView
        }, Effect.mapError(toApiError))

        const rulesProblem = (error: {
          readonly problems: ReadonlyArray<{ rule: string | null; field: string; message: string }>
        }) =>
          new ApiError({
            code: "rules-invalid",
            message: describeRuleProblems(error.problems),
            details: error.problems.map((p) => ({
              path: p.rule === null ? p.field : `${p.rule} ${p.field}`,
              message: p.message
            }))
          })

        const installRules = Effect.fn("ReturnsService.installRules")(function* (raw: unknown) {
          const loaded = yield* loadRules(yield* Ref.get(activeRules), raw)
          if (loaded.error !== null) return yield* Effect.fail(rulesProblem(loaded.error))
          yield* Ref.set(activeRules, loaded.active)
          return loaded.active
        })

        const replaceRules = Effect.fn("ReturnsService.replaceRules")(function* (raw: unknown) {
          yield* manager
          return yield* installRules(raw)
        })

        const previewRules = Effect.fn("ReturnsService.previewRules")(
          function* (raw: unknown) {
            yield* clerk
            const loaded = yield* loadRules(yield* Ref.get(activeRules), raw)
            if (loaded.error !== null) return yield* Effect.fail(rulesProblem(loaded.error))
            const rows = yield* sql.query<{ item_ref: string; return_id: string; decision: string }>(
              "SELECT item_ref, return_id, decision FROM return_items WHERE decision IS NOT NULL ORDER BY rowid DESC LIMIT 200"
            )
            const matched = new Map(
              loaded.active.rules.map((rule) => [
                rule.id,
                [] as Array<RulesPreview["rules"][number]["matched"][number]>
              ])
            )
            let evaluated = 0
            for (const row of rows) {
              const stored = JSON.parse(row.decision) as StoredDecision
              const unit = stored.facts?.units[0]
              if (stored.facts === null || unit === undefined) continue
              evaluated++
              const rule = firstMatchingRule(loaded.active, unit, stored.facts)
              matched.get(rule.id)?.push({ returnId: row.return_id, itemRef: row.item_ref, decidedBy: stored.ruleId })
            }
            const preview: RulesPreview = {
              evaluated,
              rules: [...matched].map(([ruleId, items]) => ({ ruleId, matched: items }))
            }
            return preview
          },
          Effect.mapError((error) => (error._tag === "ApiError" ? error : toApiError(error)))
        )

        return ReturnsService.of({
          state,
          scan,
          grade,
          setDisposition,
          decide,
          override,
          approve,
          finish,
          previewRules,
          replaceRules,
          installRules,
          rules: Ref.get(activeRules)
        })
      })
    )
}

/** An RMA as the shop registered it (see ReturnsInbound). */
export interface RmaData {
  readonly items: ReadonlyArray<{ readonly sku: string; readonly quantity: number; readonly reason: string }>
  readonly returnTrackingNumber?: string
  readonly deliveredAt?: string
}

const declaredReasonFor = (
  rmas: ReadonlyArray<RmaData & { readonly rmaId: string }>,
  rmaId: string | null,
  sku: string | null
): DeclaredReason => {
  const preferred = rmas.filter((rma) => rma.rmaId === rmaId)
  const pool = preferred.length > 0 ? preferred : rmas
  return asDeclaredReason(pool.flatMap((rma) => rma.items).find((item) => item.sku === sku)?.reason)
}
