/** The header's status (identity, operator, sync, devices) and the API slice that reads it. */
import { Schema } from "effect"
import { Locale } from "../config/StationConfig.ts"
import { ScanContext } from "../scan/ScanApi.ts"
import { Operator } from "../session/Operator.ts"

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
  /**
   * Parcels packed while their carrier's label service was out of reach, still waiting for their label, which the
   * station asks the carrier for.
   */
  pendingLabels: Schema.Int,
  /**
   * Parcels waiting for a label the station does not ask for: their order changed after packing and no request for
   * the label has reached the carrier. Each waits for a manager to void it.
   */
  labelsWithheld: Schema.Int,
  /**
   * Parcels whose label the carrier refused (a bad address, a product it does not ship): it made no shipment, the
   * station asks no more, and each waits for a manager to void it.
   */
  labelsRefused: Schema.Int,
  /**
   * Parcels whose label the carrier made but the station cannot print (a field no label printer takes): the carrier
   * made a shipment, the station asks no more, and each waits for a manager to void it, which cancels the shipment.
   */
  labelsUnprintable: Schema.Int,
  /**
   * Parcels waiting for a label whose request may have reached their carrier, which is no longer set up for the web
   * service it was asked from: not labelled from the station's own numbers, held until that service is set up again
   * or a manager voids them.
   */
  labelsApiGone: Schema.Int,
  /**
   * Shipments of voided parcels still live at their carrier (billed, their tracking numbers scannable): the station
   * sends their cancellation until the carrier answers.
   */
  carrierCancellations: Schema.Int,
  /** Shipments whose carrier refused to cancel them: still live there until someone cancels them in its portal. */
  cancellationsRefused: Schema.Int,
  /**
   * Shipments of voided parcels the station cannot cancel, as their carrier is no longer set up for the web service
   * that made their labels: a person cancels them in the carrier's portal.
   */
  cancellationsByHand: Schema.Int
})
export type StationStatus = typeof StationStatus.Type

/** Something the operator must see now, e.g. the order on the bench was cancelled by the shop. */
export const StationAlert = Schema.Struct({
  level: Schema.Literals(["info", "warning", "error"]),
  code: Schema.String,
  message: Schema.String,
  orderId: Schema.optional(Schema.String)
})

/** The station's own state, its language and the screen that is up, for the station to merge into its one API. */
export const StationStatusApi = {
  "station.status": { input: Schema.Struct({}), output: StationStatus },
  "station.setLocale": { input: Schema.Struct({ locale: Locale }), output: StationStatus },
  /** The UI says which screen is up, so scans from devices the UI does not see (serial scanners) go to the right flow. */
  "station.setScreen": {
    input: Schema.Struct({ screen: ScanContext }),
    output: Schema.Struct({ screen: ScanContext })
  }
} as const
