/**
 * The station's answers to every API call, assembled from the features' handlers; transports reach them through the
 * dispatcher.
 */
import { Effect } from "effect"
import type { ApiHandlers, WireResult } from "../api/ApiDispatcher.ts"
import { ApiError, apiErrorOf } from "../api/ApiError.ts"
import { PushHub } from "../api/PushHub.ts"
import { AuditLog } from "../audit/AuditLog.ts"
import { cutText } from "../bounds/cutText.ts"
import { identifyWithCatalog } from "../catalog/CatalogLookup.ts"
import type { EventEnvelope } from "../events/Event.ts"
import { EventLog } from "../events/EventLog.ts"
import type { EventSummary } from "../events/EventsApi.ts"
import { makeEvidenceHandlers } from "../evidence/EvidenceHandlers.ts"
import { encodeZpl } from "../label/encodeZpl.ts"
import { CustomerMetricsSource, type MetricsUnavailable } from "../metrics/CustomerMetricsSource.ts"
import { makeBenchHandlers } from "../pack/BenchHandlers.ts"
import { makeByHandCancellationsHandlers } from "../pack/ByHandCancellationsHandlers.ts"
import { CarrierCancellations } from "../pack/CarrierCancellations.ts"
import { makeHeldParcelsHandlers } from "../pack/HeldParcelsHandlers.ts"
import { makePackHandlers } from "../pack/PackHandlers.ts"
import { PendingLabels } from "../pack/PendingLabels.ts"
import { InsertEncoder } from "../print/InsertEncoder.ts"
import { PrintQueue } from "../print/PrintQueue.ts"
import { testInsert, testLabel } from "../print/TestPages.ts"
import { makeReturnsHandlers } from "../returns/ReturnsHandlers.ts"
import type { ScanContext, ScanOutcome } from "../scan/ScanApi.ts"
import type { RoutedOutcome } from "../scan/ScanRoute.ts"
import { type Client, CurrentClient, LOCAL_CLIENT } from "../session/Client.ts"
import type { Operator } from "../session/Operator.ts"
import { Session } from "../session/Session.ts"
import { makeSessionHandlers } from "../session/SessionHandlers.ts"
import { makeShopsHandlers } from "../shops/ShopsHandlers.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { FleetPresence } from "../sync/FleetPresence.ts"
import { SiteFleet } from "../sync/SiteFleet.ts"
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
    code:
      error.reason === "NoHub" ? "hub-not-configured" : error.reason === "Refused" ? "hub-refused" : "hub-unavailable",
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
  const held = yield* makeHeldParcelsHandlers
  const byHand = yield* makeByHandCancellationsHandlers
  const returns = yield* makeReturnsHandlers
  const evidence = yield* makeEvidenceHandlers
  const metrics = yield* CustomerMetricsSource
  const fleet = yield* FleetPresence
  const siteFleet = yield* SiteFleet
  const audit = yield* AuditLog
  const shops = yield* makeShopsHandlers
  const pendingLabels = yield* PendingLabels
  const cancellations = yield* CarrierCancellations
  // Until the UI says which screen is up, device scans are only identified, never applied to a flow. The bench's
  // own scanners and scales act for the client whose screen changed last: the UI in front of the bench.
  let screen: ScanContext | undefined
  let benchClient: Client = LOCAL_CLIENT

  const statusWith = (operator: Effect.Effect<Operator | null>): Effect.Effect<StationStatus, ApiError> =>
    Effect.gen(function* () {
      const labels = yield* pendingLabels.counts.pipe(Effect.mapError(storeFailure))
      const cancelling = yield* cancellations.counts.pipe(Effect.mapError(storeFailure))
      return {
        siteId: identity.siteId,
        stationId: identity.stationId,
        name: settings.name,
        locale: yield* settings.locale,
        epoch: identity.epoch,
        lastSeq: yield* log.lastSeq.pipe(Effect.mapError(storeFailure)),
        operator: yield* operator,
        sync: yield* sync.status,
        devices: yield* devices.list,
        pendingLabels: labels.asking,
        labelsWithheld: labels.withheld,
        labelsRefused: labels.refused,
        labelsUnprintable: labels.unprintable,
        labelsApiGone: labels.apiGone,
        carrierCancellations: cancelling.waiting,
        cancellationsRefused: cancelling.refused,
        cancellationsByHand: cancelling.byHand
      }
    })
  const status = statusWith(session.current)

  // The station's state is read once; each connected client gets it with its own operator.
  const publishStatus = Effect.flatMap(statusWith(Effect.succeed(null)), (shared) =>
    pushes.publishEach("status", (clientId) =>
      Effect.map(session.operatorOf(clientId), (operator) => ({ ...shared, operator }))
    )
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
            payload: cutText(row.payload, 501)
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
      CurrentClient.useSync((client) => {
        screen = input.screen
        benchClient = client
        return { screen }
      }),
    "scan.submit": (input) =>
      Effect.gen(function* () {
        const at = input.at ?? (yield* clock.now)
        const context = input.context ?? screen
        const route =
          context === "pack"
            ? pack.packRoute
            : context === "handover"
              ? pack.handoverRoute
              : context === "returns"
                ? returns.returnsRoute
                : undefined
        // Identified once: as the flow on screen reads scans, or against the catalog when no flow takes it.
        const identification =
          route === undefined
            ? yield* identifyWithCatalog(input.raw).pipe(Effect.provideService(Sql, sql), Effect.mapError(storeFailure))
            : yield* route.identify(input.raw)
        const base = { raw: input.raw, source: input.source, deviceId: input.deviceId ?? input.source, at }
        let outcome: ScanOutcome
        if (identification.kind === "packbench" && identification.type === "badge") {
          // A manager's badge opens the PIN prompt; the manager is signed in by session.enterPin.
          const holder = yield* session.lookUp(input.raw, identification).pipe(Effect.mapError(apiErrorOf))
          if (holder.role === "manager") {
            outcome = { ...base, identification, action: "pin-required", message: `${holder.name} (${holder.role})` }
          } else {
            const operator = yield* session.signIn(input.raw, identification).pipe(Effect.mapError(apiErrorOf))
            yield* publishStatus
            outcome = { ...base, identification, action: "signed-in", message: `${operator.name} (${operator.role})` }
          }
        } else if (route !== undefined) {
          // A scan the flow cannot take (nobody signed in, wrong role) is still a scan the packer must see refused.
          const routed = yield* route
            .apply({ raw: input.raw, at, identified: identification, deviceId: base.deviceId })
            .pipe(
              Effect.catchTag("ApiError", (error) =>
                Effect.succeed<RoutedOutcome>({
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
            ...(routed.refusal === undefined ? {} : { refusal: routed.refusal }),
            ...(routed.accepted === undefined ? {} : { accepted: routed.accepted })
          }
        } else {
          outcome = {
            ...base,
            identification,
            action: identification.kind === "unknown" ? "rejected" : "identified",
            message: identification.kind === "unknown" ? identification.reason : identification.kind
          }
        }
        yield* pushes.publishTo((yield* CurrentClient).id, "scan", outcome)
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
        yield* session.require(["manager", "packer", "returns-clerk"]).pipe(Effect.mapError(apiErrorOf))
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
    "fleet.hub": () => siteFleet.view,
    "audit.recent": ({ limit }) =>
      Effect.andThen(
        session.require(["manager"]).pipe(Effect.mapError(apiErrorOf)),
        audit.recent(limit).pipe(Effect.mapError(storeFailure))
      ),
    "metrics.customer": (window) => metrics.customer(window).pipe(Effect.mapError(metricsFailure)),
    "metrics.customerCsv": (window) => metrics.csv(window).pipe(Effect.mapError(metricsFailure)),
    ...(yield* makeSessionHandlers(publishStatus)),
    ...pack.handlers,
    // A void changes what the header counts (labels withheld or refused, shipments to cancel): every screen is told
    // now, not when the outbox next reports. The parcel is voided whether or not the status could be read for it.
    "pack.void": (input) =>
      Effect.tap(pack.handlers["pack.void"](input), () =>
        publishStatus.pipe(
          Effect.catchTag("ApiError", (error) => Effect.logError(`status not pushed after a void: ${error.message}`))
        )
      ),
    ...bench,
    ...held,
    ...byHand,
    // A close drops the header's count of shipments to cancel by hand on every screen at once, as a void does.
    "pack.closeCancellationByHand": (input) =>
      Effect.tap(byHand["pack.closeCancellationByHand"](input), () =>
        publishStatus.pipe(
          Effect.catchTag("ApiError", (error) => Effect.logError(`status not pushed after a close: ${error.message}`))
        )
      ),
    // A reopen raises it again, as the void did.
    "pack.reopenCancellationByHand": (input) =>
      Effect.tap(byHand["pack.reopenCancellationByHand"](input), () =>
        publishStatus.pipe(
          Effect.catchTag("ApiError", (error) => Effect.logError(`status not pushed after a reopen: ${error.message}`))
        )
      ),
    ...returns.handlers,
    ...evidence.handlers,
    ...shops
  }
  /**
   * The audit around a privileged call: who was signed in at the client before it, what was asked, how it ended.
   * A call the audit cannot record is still answered (it has happened); the failure is logged.
   */
  const privileged = (name: string, input: unknown, run: Effect.Effect<WireResult>) =>
    Effect.gen(function* () {
      const operator = yield* session.current
      const result = yield* run
      const asked = JSON.stringify(input ?? {})
      yield* audit
        .record({
          operator,
          action: name,
          outcome: result.ok ? "done" : "refused",
          detail: result.ok ? asked : `${result.error.code}: ${result.error.message} · ${asked}`
        })
        .pipe(Effect.catch((error) => Effect.logError(`audit: ${name} not recorded: ${error.message}`)))
      return result
    })

  return { handlers, status, publishStatus, privileged, benchClient: Effect.sync(() => benchClient) }
})
