/** The station's one API map, assembled from the features' slices, and the pushes it sends unasked. */
import { AuditApi } from "../audit/AuditApi.ts"
import { Locale } from "../config/StationConfig.ts"
import { EventSummary, EventsApi } from "../events/EventsApi.ts"
import { EvidenceApi } from "../evidence/EvidenceApi.ts"
import { MetricsApi } from "../metrics/MetricsApi.ts"
import { OrdersApi } from "../orders/OrdersApi.ts"
import { BenchApi } from "../pack/BenchApi.ts"
import { ByHandCancellationsApi } from "../pack/ByHandCancellationsApi.ts"
import { HeldParcelsApi } from "../pack/HeldParcelsApi.ts"
import { PackApi } from "../pack/PackApi.ts"
import { ScaleView } from "../pack/ScaleView.ts"
import { PrintApi, PrintJob } from "../print/PrintApi.ts"
import { ReturnsApi } from "../returns/ReturnsApi.ts"
import { ScanApi, ScanOutcome } from "../scan/ScanApi.ts"
import { SessionApi } from "../session/SessionApi.ts"
import { ShopsApi } from "../shops/ShopsApi.ts"
import { StationAlert, StationStatus, StationStatusApi } from "../station/StationStatusApi.ts"
import { FleetView } from "../sync/FleetPresence.ts"
import { SiteFleetView } from "../sync/SiteFleet.ts"
import { SyncApi } from "../sync/SyncApi.ts"

export { AuditEntry } from "../audit/AuditApi.ts"
export { EventSummary } from "../events/EventsApi.ts"
export type { PhotoView, RecentParcel } from "../evidence/EvidenceApi.ts"
export type { CustomerMetrics, NotificationStage } from "../metrics/CustomerMetrics.ts"
export { OrderSummary } from "../orders/OrdersApi.ts"
export type { BoxListing } from "../pack/Box.ts"
export type { ByHandCancellation, ClosedByHand } from "../pack/ByHandCancellationsApi.ts"
export type { HandoverView } from "../pack/HandoverView.ts"
export type { HeldParcel, HeldReason } from "../pack/HeldParcelsApi.ts"
export type { Refusal, RefusalParam } from "../pack/PackRefusal.ts"
export { RefusalCode, refusalReasons } from "../pack/PackRefusal.ts"
export type { PackView, PrintJobRef } from "../pack/PackView.ts"
export type { ScaleView } from "../pack/ScaleView.ts"
export { PrintJob } from "../print/PrintApi.ts"
export type { ReturnNoteView, ReturnsView } from "../returns/ReturnsView.ts"
export { ScanContext, ScanOutcome, ScanSource } from "../scan/ScanApi.ts"
export { Operator, Role } from "../session/Operator.ts"
export type { ShopConnectorView, ShopPushView, ShopStatus } from "../shops/ShopStatus.ts"
export {
  BrokerState,
  DeviceConditionCode,
  DeviceConnection,
  DeviceKind,
  DeviceStatus,
  StationStatus,
  SyncStatus
} from "../station/StationStatusApi.ts"
export type { FleetView, StationPresence } from "../sync/FleetPresence.ts"
export { FleetProblem, FleetProblemCode } from "../sync/FleetProblem.ts"
export { OfflineReason, OfflineReasonCode, offlineReasonOf } from "../sync/OfflineReason.ts"
export type { SiteFleetView } from "../sync/SiteFleet.ts"
export type { FleetStation } from "../sync/SiteFleetSummary.ts"
export { QuarantinedMessage } from "../sync/SyncApi.ts"
export { Locale }

/**
 * The station's one API: every command and query the UI may call, with its input and output schemas. Electron IPC
 * and HTTP are two transports over this map; both decode the input with these schemas before a handler runs. Each
 * feature declares its own slice; this map only puts them together, so no feature needs to import it. A call marked
 * `privileged: true` (a manager's action) is recorded in the audit with who, when, from which client and its outcome.
 */
export const StationApi = {
  ...StationStatusApi,
  ...SessionApi,
  ...ScanApi,
  ...OrdersApi,
  ...EventsApi,
  ...PrintApi,
  ...SyncApi,
  ...PackApi,
  ...BenchApi,
  ...HeldParcelsApi,
  ...ByHandCancellationsApi,
  ...ReturnsApi,
  ...EvidenceApi,
  ...MetricsApi,
  ...ShopsApi,
  ...AuditApi
} as const

export type StationApi = typeof StationApi
export type ApiName = Extract<keyof StationApi, string>
export type ApiInput<N extends ApiName> = StationApi[N]["input"]["Type"]
export type ApiOutput<N extends ApiName> = StationApi[N]["output"]["Type"]

/** What the station pushes to every connected UI, unasked. */
export const StationPushes = {
  status: StationStatus,
  scan: ScanOutcome,
  printJob: PrintJob,
  event: EventSummary,
  /** A scale's weight or state changed (not pushed for the same weight repeated). */
  scale: ScaleView,
  /** A station of the site came up, went down or its presence could not be read. */
  fleet: FleetView,
  /** The hub sent a new summary of the site, or one was refused. */
  siteFleet: SiteFleetView,
  /** Something the operator must see now, e.g. the order on the bench was cancelled by the shop. */
  alert: StationAlert
} as const
export type PushName = keyof typeof StationPushes
export type PushPayload<N extends PushName> = (typeof StationPushes)[N]["Type"]
export interface PushMessage<N extends PushName = PushName> {
  readonly name: N
  readonly payload: PushPayload<N>
}
