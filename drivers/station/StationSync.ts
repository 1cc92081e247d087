/** Runs the station's sync over its broker link and reports its figures to the header. */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Layer, Schema } from "effect"
import { PushHub } from "../../core/api/PushHub.ts"
import type { SyncStatus } from "../../core/api/StationApi.ts"
import { registerCatalogInbound } from "../../core/catalog/CatalogInbound.ts"
import type { ResolvedConfig } from "../../core/config/StationConfig.ts"
import { registerOrderInbound } from "../../core/orders/OrderInbound.ts"
import { registerBoxInbound } from "../../core/pack/BoxInbound.ts"
import { benchOrderProbe } from "../../core/pack/benchOrderProbe.ts"
import { PackService } from "../../core/pack/PackService.ts"
import { PendingLabels } from "../../core/pack/PendingLabels.ts"
import { registerReturnsInbound } from "../../core/returns/ReturnsInbound.ts"
import { ReturnsService } from "../../core/returns/ReturnsService.ts"
import { registerRulesInbound } from "../../core/returns/RulesInbound.ts"
import { refundRejectedAlert } from "../../core/returns/refundRejectedAlert.ts"
import { SyncView } from "../../core/station/SyncView.ts"
import type { ConflictRecord } from "../../core/sync/ConflictLog.ts"
import { FleetPresence } from "../../core/sync/FleetPresence.ts"
import { Inbox } from "../../core/sync/Inbox.ts"
import { Outbox } from "../../core/sync/Outbox.ts"
import { SiteFleet } from "../../core/sync/SiteFleet.ts"
import { registerSyncAlerts } from "../../core/sync/SyncAlerts.ts"
import { SyncEngine } from "../../core/sync/SyncEngine.ts"
import { PROJECT_ROOT } from "./ProjectPaths.ts"
import { StationBroker } from "./StationBroker.ts"

/** Inbound handlers are registered before the engine subscribes, so no early message meets an empty registry. */
const inboundHandlers = Layer.effectDiscard(
  Effect.gen(function* () {
    const inbox = yield* Inbox
    const pack = yield* PackService
    const pendingLabels = yield* PendingLabels
    const pushes = yield* PushHub
    const returns = yield* ReturnsService
    yield* registerReturnsInbound(inbox, (rejected) =>
      pushes.publish("alert", { level: "error", ...refundRejectedAlert(rejected), orderId: rejected.orderId })
    )
    // A conflict or a refusal in one of this station's streams is raised on the bench at once; the Manager screen
    // lists them (sync.conflicts).
    const raise = (record: ConflictRecord) =>
      pushes.publish("alert", {
        level: "error",
        code: record.kind === "conflict" ? "sync-conflict" : "sync-refused",
        message:
          record.source === "hub:events"
            ? record.kind === "conflict"
              ? `The hub found two events numbered ${record.seq} in this station's stream: ${record.refusedId} was quarantined, ${record.keptId ?? "another"} holds the number. Tell the administrator.`
              : `The hub could not apply this station's event ${record.seq} (${record.refusedId}) and quarantined it: ${record.reason}`
            : `Two messages numbered ${record.seq} arrived on the ${record.source.slice("inbox:".length)} stream: ${record.refusedId} was quarantined, ${record.keptId ?? "another"} holds the number. Tell the administrator.`
      })
    yield* inbox.onConflict(raise)
    yield* registerSyncAlerts(inbox, raise)
    yield* registerRulesInbound(inbox, returns.installRules)
    yield* registerCatalogInbound(inbox)
    yield* registerBoxInbound(inbox)
    // A change that lifts a withheld label's hold (the shop takes its cancellation back) has it asked for at once.
    yield* registerOrderInbound(
      inbox,
      benchOrderProbe(pack, (alert) => pushes.publish("alert", alert)),
      pendingLabels.orderChanged
    )
  })
)

/** The header's sync figures, from the engine; a database that does not answer shows as such, not as an error. */
const syncView = Layer.effect(
  SyncView,
  Effect.gen(function* () {
    const engine = yield* SyncEngine
    const brokerUrl = (yield* StationBroker).url
    return SyncView.of({
      status: engine.status.pipe(
        Effect.map(
          (status): SyncStatus => ({
            broker: status.broker.connection,
            brokerUrl,
            ...(status.broker.lastError === undefined ? {} : { lastError: status.broker.lastError }),
            depth: status.depth,
            oldestUnconfirmedAgeMs: status.oldestUndeliveredAgeMs,
            drainRatePerSec: status.drainRatePerSec,
            lastPublishedSeq: status.lastPublishedSeq,
            lastConfirmedSeq: status.lastConfirmedSeq
          })
        ),
        Effect.orElseSucceed(
          (): SyncStatus => ({
            broker: "unknown",
            brokerUrl,
            lastError: "the station database did not answer",
            depth: 0,
            oldestUnconfirmedAgeMs: null,
            drainRatePerSec: 0,
            lastPublishedSeq: 0,
            lastConfirmedSeq: 0
          })
        )
      )
    })
  })
)

const appVersion = () =>
  Schema.decodeUnknownSync(Schema.Struct({ version: Schema.String }))(
    JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8"))
  ).version

/**
 * The station's sync over its broker link: outbox, inbox with the features' inbound handlers, the site's presence,
 * the engine that runs them (announcing this station's presence and stopping cleanly when the scope closes), and
 * the header's view of it.
 */
export const stationSync = (config: ResolvedConfig) =>
  syncView.pipe(
    Layer.provideMerge(
      Layer.unwrap(
        Effect.sync(() =>
          SyncEngine.layer({
            appVersion: appVersion(),
            numbering: { stationIndex: config.numbering.stationIndex, stations: config.numbering.stations }
          })
        )
      )
    ),
    Layer.provide(inboundHandlers),
    Layer.provideMerge(Layer.mergeAll(Outbox.layer(), Inbox.layer, FleetPresence.layer, SiteFleet.layer())),
    Layer.provideMerge(StationBroker.link(config))
  )
