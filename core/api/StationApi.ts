import { Schema } from "effect"
import { Locale } from "../config/StationConfig.ts"

export { Locale }

import { MetricsApi } from "../metrics/MetricsApi.ts"
import { BenchApi } from "../pack/BenchApi.ts"
import { PackApi } from "../pack/PackApi.ts"
import { RefusalParams } from "../pack/PackRefusal.ts"
import { ScaleView } from "../pack/ScaleWeights.ts"
import { ReturnsApi } from "../returns/ReturnsApi.ts"
import { FleetView } from "../sync/FleetPresence.ts"

export type { CustomerMetrics, NotificationStage } from "../metrics/CustomerMetrics.ts"
export type { BoxListing } from "../pack/Box.ts"
export type { HandoverView } from "../pack/HandoverView.ts"
export type { Refusal, RefusalParam } from "../pack/PackRefusal.ts"
export { RefusalCode, refusalReasons } from "../pack/PackRefusal.ts"
export type { PackView, PrintJobRef } from "../pack/PackView.ts"
export type { ScaleView } from "../pack/ScaleWeights.ts"
export type { ReturnsView } from "../returns/ReturnsView.ts"
export type { FleetView, StationPresence } from "../sync/FleetPresence.ts"

import { Timestamp } from "../time/Clock.ts"

export const Role = Schema.Literals(["packer", "returns-clerk", "manager"])
export type Role = typeof Role.Type

export const Operator = Schema.Struct({ badgeId: Schema.String, name: Schema.String, role: Role })
export type Operator = typeof Operator.Type

export const DeviceKind = Schema.Literals(["scanner", "scale", "label-printer", "receipt-printer", "broker"])
export const DeviceStatus = Schema.Struct({
  id: Schema.String,
  kind: DeviceKind,
  description: Schema.String,
  state: Schema.Literals(["ok", "warning", "error", "unknown"]),
  detail: Schema.String
})
export type DeviceStatus = typeof DeviceStatus.Type

export const BrokerState = Schema.Literals(["connected", "connecting", "disconnected", "unknown"])

export const SyncStatus = Schema.Struct({
  broker: BrokerState,
  brokerUrl: Schema.String,
  lastError: Schema.optional(Schema.String),
  depth: Schema.Int,
  oldestUnconfirmedAgeMs: Schema.NullOr(Schema.Number),
  drainRatePerSec: Schema.Number,
  lastPublishedSeq: Schema.Int,
  lastConfirmedSeq: Schema.Int
})
export type SyncStatus = typeof SyncStatus.Type

export const StationStatus = Schema.Struct({
  siteId: Schema.String,
  stationId: Schema.String,
  name: Schema.String,
  locale: Locale,
  epoch: Schema.String,
  lastSeq: Schema.Int,
  operator: Schema.NullOr(Operator),
  sync: SyncStatus,
  devices: Schema.Array(DeviceStatus),
  /** Parcels packed while their carrier's label service was out of reach, still waiting for their label. */
  pendingLabels: Schema.Int
})
export type StationStatus = typeof StationStatus.Type

export const ScanSource = Schema.Literals(["wedge", "serial", "camera", "manual", "simulated"])
export const ScanContext = Schema.Literals(["pack", "handover", "returns", "manager"])
export type ScanContext = typeof ScanContext.Type

/** What the station made of one scan: the identification (kind/valid and kind-specific fields) and what it did. */
export const ScanOutcome = Schema.Struct({
  raw: Schema.String,
  source: ScanSource,
  deviceId: Schema.String,
  at: Timestamp,
  identification: Schema.Record(Schema.String, Schema.Unknown),
  action: Schema.String,
  message: Schema.String,
  /**
   * Why a routed scan was refused (action "refused"), for the UI to word in its language: a bench refusal with its
   * variant and params, or a call the flow refused (`code` an API error code, no params). `message` keeps the
   * English `code: reason` for logs and the CLI.
   */
  refusal: Schema.optionalKey(
    Schema.Struct({
      code: Schema.String,
      reason: Schema.String,
      variant: Schema.optionalKey(Schema.String),
      params: Schema.optionalKey(RefusalParams)
    })
  ),
  /**
   * What the flow took the scan as when it is a code only the station knows (a box's barcode, a typed order number):
   * identification alone calls such a code unknown, but the bench accepted it.
   */
  accepted: Schema.optionalKey(Schema.Struct({ as: Schema.Literals(["box", "order", "return"]), id: Schema.String }))
})
export type ScanOutcome = typeof ScanOutcome.Type

export const PrintJob = Schema.Struct({
  id: Schema.String,
  printer: Schema.Literals(["label", "receipt"]),
  purpose: Schema.String,
  state: Schema.Literals(["queued", "printing", "printed", "failed"]),
  attempts: Schema.Int,
  createdAtMs: Schema.Number,
  lastError: Schema.optional(Schema.String),
  /** Where the UI can show what a simulated printer rendered (a PNG under /printouts/). */
  previewUrl: Schema.optional(Schema.String)
})
export type PrintJob = typeof PrintJob.Type

export const OrderSummary = Schema.Struct({
  orderId: Schema.String,
  customerName: Schema.String,
  country: Schema.String,
  lineCount: Schema.Int,
  itemCount: Schema.Int,
  status: Schema.String
})
export type OrderSummary = typeof OrderSummary.Type

export const EventSummary = Schema.Struct({
  seq: Schema.Int,
  id: Schema.String,
  type: Schema.String,
  eventTimeMs: Schema.Number,
  actor: Schema.String
})
export type EventSummary = typeof EventSummary.Type

export const QuarantinedMessage = Schema.Struct({
  id: Schema.Int,
  topic: Schema.String,
  reason: Schema.String,
  receivedAtMs: Schema.Number,
  payload: Schema.String
})
export type QuarantinedMessage = typeof QuarantinedMessage.Type

const Empty = Schema.Struct({})

/**
 * The station's one API: every command and query the UI may call, with its input and output schemas. Electron IPC
 * and HTTP are two transports over this map; both decode the input with these schemas before a handler runs.
 */
export const StationApi = {
  "station.status": { input: Empty, output: StationStatus },
  "station.setLocale": { input: Schema.Struct({ locale: Locale }), output: StationStatus },
  /** The UI says which screen is up, so scans from devices the UI does not see (serial scanners) go to the right flow. */
  "station.setScreen": {
    input: Schema.Struct({ screen: ScanContext }),
    output: Schema.Struct({ screen: ScanContext })
  },
  "session.signIn": { input: Schema.Struct({ badge: Schema.String.check(Schema.isMinLength(1)) }), output: Operator },
  "session.signOut": { input: Empty, output: Schema.Struct({ signedOut: Schema.Boolean }) },
  "scan.submit": {
    input: Schema.Struct({
      raw: Schema.String,
      source: ScanSource,
      deviceId: Schema.optional(Schema.String),
      at: Schema.optional(Timestamp),
      /** The screen that was up when the scan arrived: a scanner cannot tell, the UI can. */
      context: Schema.optional(ScanContext)
    }),
    output: ScanOutcome
  },
  "orders.open": { input: Empty, output: Schema.Array(OrderSummary) },
  "events.recent": {
    input: Schema.Struct({ limit: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 500 })) }),
    output: Schema.Array(EventSummary)
  },
  "printer.testPrint": { input: Schema.Struct({ printer: Schema.Literals(["label", "receipt"]) }), output: PrintJob },
  "printer.jobs": { input: Empty, output: Schema.Array(PrintJob) },
  /** Inbound messages the station could not apply, with the reason: never applied, kept for a person to look at. */
  "sync.quarantine": {
    input: Schema.Struct({ limit: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 200 })) }),
    output: Schema.Array(QuarantinedMessage)
  },
  /** Every station of the site with its presence (online/offline, since when, why), from the retained topics. */
  "fleet.presence": { input: Empty, output: FleetView },
  ...PackApi,
  ...BenchApi,
  ...ReturnsApi,
  ...MetricsApi
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
  /** Something the operator must see now, e.g. the order on the bench was cancelled by the shop. */
  alert: Schema.Struct({
    level: Schema.Literals(["info", "warning", "error"]),
    code: Schema.String,
    message: Schema.String,
    orderId: Schema.optional(Schema.String)
  })
} as const
export type PushName = keyof typeof StationPushes
export type PushPayload<N extends PushName> = (typeof StationPushes)[N]["Type"]
export interface PushMessage<N extends PushName = PushName> {
  readonly name: N
  readonly payload: PushPayload<N>
}
