import { Effect } from "effect"
import type { ApiHandlers } from "../api/ApiDispatcher.ts"
import { ApiError } from "../api/ApiError.ts"
import { PushHub } from "../api/PushHub.ts"
import type { EventEnvelope } from "../events/Event.ts"
import { EventLog } from "../events/EventLog.ts"
import type { EventSummary } from "../events/EventsApi.ts"
import { encodeZpl } from "../label/encodeZpl.ts"
import { CustomerMetricsSource, type MetricsUnavailable } from "../metrics/CustomerMetricsSource.ts"
import { makeBenchHandlers } from "../pack/BenchHandlers.ts"
import { makePackHandlers } from "../pack/PackHandlers.ts"
import { InsertEncoder } from "../print/InsertEncoder.ts"
import { PrintQueue } from "../print/PrintQueue.ts"
import { testInsert, testLabel } from "../print/TestPages.ts"
import { makeReturnsHandlers } from "../returns/ReturnsHandlers.ts"
import { identifyScan } from "../scan/identify.ts"
import type { ScanContext, ScanOutcome } from "../scan/ScanApi.ts"
import { Session } from "../session/Session.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { FleetPresence } from "../sync/FleetPresence.ts"
import { StationClock } from "../time/Clock.ts"
import { DeviceRegistry } from "./DeviceRegistry.ts"
import { StationIdentity } from "./StationIdentity.ts"
import { StationSettings } from "./StationSettings.ts"
import type { StationStatus } from "./StationStatusApi.ts"
import { SyncView } from "./SyncView.ts"

const storeFailure = (error: StoreError) =>
  new ApiError({
    code: error.reason === "DiskFull" || error.reason === "ReadOnly" ? "store-refused" : "store-unavailable",
    message: `The station database refused the operation (${error.reason}): ${error.message}`
  })

const metricsFailure = (error: MetricsUnavailable) =>
  new ApiError({
    code: error.reason === "NoHub" ? "hub-not-configured" : "hub-unavailable",
    message: error.message
  })

export const summarizeEvent = (event: EventEnvelope): EventSummary => ({
  seq: event.seq,
  id: event.id,
  type: event.type,
  eventTimeMs: event.eventTime.wallMs,
  actor: event.actor.name ?? event.actor.badgeId ?? event.actor.role
})

/** The station's answers to every API call; transports reach them only through the dispatcher. */
export const makeStationHandlers = Effect.gen(function* () {
  const identity = yield* StationIdentity
  const settings = yield* StationSettings
  const log = yield* EventLog
  const sql = yield* Sql
  const clock = yield* StationClock
  const session = yield* Session
  const devices = yield* DeviceRegistry
  const sync = yield* SyncView
  const pushes = yield* PushHub
  const printQueue = yield* PrintQueue
  const insertEncoder = yield* InsertEncoder
  const pack = yield* makePackHandlers
  const bench = yield* makeBenchHandlers
  const returns = yield* makeReturnsHandlers
  const metrics = yield* CustomerMetricsSource
  const fleet = yield* FleetPresence
  // Until the UI says which screen is up, device scans are only identified, never applied to a flow.
  let screen: ScanContext | undefined

  const status: Effect.Effect<StationStatus, ApiError> = Effect.gen(function* () {
    return {
      siteId: identity.siteId,
      stationId: identity.stationId,
      name: settings.name,
      locale: yield* settings.locale,
      epoch: identity.epoch,
      lastSeq: yield* log.lastSeq.pipe(Effect.mapError(storeFailure)),
      operator: yield* session.current,
      sync: yield* sync.status,
      devices: yield* devices.list,
      pendingLabels: yield* sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM pending_labels").pipe(
        Effect.mapError(storeFailure),
        Effect.map((rows) => Number(rows[0]?.n ?? 0))
      )
    }
  })

  const publishStatus = Effect.flatMap(status, (current) => pushes.publish("status", current))

  // Identification is synchronous, so the one code a scan could be is looked up first; the catalog may change at any
  // time through the inbox, so nothing about it is kept in memory.
  const skuOf = (raw: string) =>
    sql
      .query<{ sku: string }>(
        "SELECT sku FROM catalog_items WHERE UPPER(sku) = ? UNION SELECT sku FROM sku_aliases WHERE UPPER(alias) = ?",
        [raw.trim().toUpperCase(), raw.trim().toUpperCase()]
      )
      .pipe(
        Effect.mapError(storeFailure),
        Effect.map((rows) => rows[0]?.sku)
      )

  const conflicts = (limit: number) =>
    Effect.gen(function* () {
      const rows = yield* sql.query<{
        id: number
        source: string
        kind: "conflict" | "refused"
        seq: number
        refused_id: string
        kept_id: string | null
        reason: string
        first_seen_ms: number
        last_seen_ms: number
        seen: number
      }>(
        `SELECT id, source, kind, seq, refused_id, kept_id, reason, first_seen_ms, last_seen_ms, seen
         FROM sync_conflicts ORDER BY id DESC LIMIT ?`,
        [limit]
      )
      const total = yield* sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM sync_conflicts")
      const evicted = yield* sql.query<{ value: number }>(
        "SELECT value FROM sync_counters WHERE name = 'quarantine_evicted'"
      )
      return {
        total: Number(total[0]?.n ?? 0),
        quarantineEvicted: Number(evicted[0]?.value ?? 0),
        conflicts: rows.map((row) => ({
          id: Number(row.id),
          source: row.source,
          kind: row.kind,
          seq: Number(row.seq),
          refusedId: row.refused_id,
          keptId: row.kept_id,
          reason: row.reason,
          firstSeenMs: Number(row.first_seen_ms),
          lastSeenMs: Number(row.last_seen_ms),
          seen: Number(row.seen)
        }))
      }
    }).pipe(Effect.mapError(storeFailure))

  const quarantine = (limit: number) =>
    sql
      .query<{ id: number; topic: string; reason: string; received_at_ms: number; payload: string }>(
        "SELECT id, topic, reason, received_at_ms, payload FROM sync_inbox_quarantine ORDER BY id DESC LIMIT ?",
        [limit]
      )
      .pipe(
        Effect.mapError(storeFailure),
        Effect.map((rows) =>
          rows.map((row) => ({
            id: Number(row.id),
            topic: row.topic,
            reason: row.reason,
            receivedAtMs: Number(row.received_at_ms),
            payload: row.payload.length > 500 ? `${row.payload.slice(0, 500)}…` : row.payload
          }))
        )
      )

  const handlers: ApiHandlers<never> = {
    "station.status": () => status,
    "station.setLocale": ({ locale }) =>
      settings
        .setLocale(locale)
        .pipe(Effect.mapError(storeFailure), Effect.andThen(publishStatus), Effect.andThen(status)),
    "station.setScreen": (input) =>
      Effect.sync(() => {
        screen = input.screen
        return { screen }
      }),
    "session.signIn": ({ badge }) => Effect.tap(session.signIn(badge), () => publishStatus),
    "session.signOut": () =>
      Effect.map(
        Effect.tap(session.signOut, () => publishStatus),
        (signedOut) => ({ signedOut })
      ),
    "scan.submit": (input) =>
      Effect.gen(function* () {
        const at = input.at ?? (yield* clock.now)
        const context = input.context ?? screen
        const sku = yield* skuOf(input.raw)
        const identification = identifyScan(input.raw, {
          resolveSku: (code) =>
            sku !== undefined && code.trim().toUpperCase() === input.raw.trim().toUpperCase() ? sku : undefined
        })
        const base = { raw: input.raw, source: input.source, deviceId: input.deviceId ?? input.source, at }
        let outcome: ScanOutcome
        if (identification.kind === "packbench" && identification.type === "badge") {
          const operator = yield* session.signIn(input.raw)
          yield* publishStatus
          outcome = { ...base, identification, action: "signed-in", message: `${operator.name} (${operator.role})` }
        } else if (context === "pack" || context === "handover" || context === "returns") {
          const route: Effect.Effect<
            { readonly action: string; readonly message: string; readonly refusal?: ScanOutcome["refusal"] },
            ApiError
          > =
            context === "pack"
              ? pack.routePackScan({ raw: input.raw, at })
              : context === "handover"
                ? pack.routeHandoverScan({ raw: input.raw, at })
                : returns.routeReturnsScan({ raw: input.raw, at })
          // A scan the flow cannot take (nobody signed in, wrong role) is still a scan the packer must see refused.
          const routed = yield* route.pipe(
            Effect.catchTag("ApiError", (error) =>
              Effect.succeed({
                action: "refused",
                message: `${error.code}: ${error.message}`,
                refusal: { code: error.code, reason: error.message }
              })
            )
          )
          outcome = {
            ...base,
            identification,
            action: routed.action,
            message: routed.message,
            ...(routed.refusal === undefined ? {} : { refusal: routed.refusal })
          }
        } else {
          outcome = {
            ...base,
            identification,
            action: identification.kind === "unknown" ? "rejected" : "identified",
            message: identification.kind === "unknown" ? identification.reason : identification.kind
          }
        }
        yield* pushes.publish("scan", outcome)
        return outcome
      }),
    "orders.open": () =>
      sql
        .query<{ data: string }>(
          "SELECT data FROM orders WHERE status IN ('open', 'on-hold', 'address-hold') ORDER BY order_id"
        )
        .pipe(
          Effect.mapError(storeFailure),
          Effect.map((rows) =>
            rows.map((row) => {
              const order = JSON.parse(row.data) as import("../orders/Order.ts").Order
              return {
                orderId: order.orderId,
                customerName: `${order.customer.firstName} ${order.customer.lastName}`,
                country: order.shipTo.country,
                lineCount: order.lines.length,
                itemCount: order.lines.reduce((sum, line) => sum + line.quantity, 0),
                status: order.status
              }
            })
          )
        ),
    "events.recent": ({ limit }) =>
      Effect.gen(function* () {
        const last = yield* log.lastSeq
        return (yield* log.read(Math.max(0, last - limit), limit)).map(summarizeEvent).reverse()
      }).pipe(Effect.mapError(storeFailure)),
    "printer.testPrint": ({ printer }) =>
      Effect.gen(function* () {
        yield* session.require(["manager", "packer", "returns-clerk"])
        const station = { siteId: identity.siteId, stationId: identity.stationId, name: settings.name }
        const bytes =
          printer === "label"
            ? yield* encodeZpl(testLabel(station), { dpi: 203 }).pipe(
                Effect.mapError((error) => new ApiError({ code: "label-content", message: error.message }))
              )
            : yield* insertEncoder
                .encode(testInsert(station))
                .pipe(Effect.mapError((error) => new ApiError({ code: "insert-encoding", message: error.message })))
        const job = yield* printQueue.enqueue({ printer, purpose: "test", bytes }).pipe(Effect.mapError(storeFailure))
        yield* pushes.publish("printJob", job)
        return job
      }),
    "printer.jobs": () => printQueue.recent(20).pipe(Effect.mapError(storeFailure)),
    "sync.quarantine": ({ limit }) => quarantine(limit),
    "sync.conflicts": ({ limit }) => conflicts(limit),
    "fleet.presence": () => fleet.view,
    "metrics.customer": (window) => metrics.customer(window).pipe(Effect.mapError(metricsFailure)),
    "metrics.customerCsv": (window) => metrics.csv(window).pipe(Effect.mapError(metricsFailure)),
    ...pack.handlers,
    ...bench,
    ...returns.handlers
  }
  return { handlers, status, publishStatus }
})
