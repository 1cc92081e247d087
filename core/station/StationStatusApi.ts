/** The header's status (identity, operator, sync, devices) and the API slice that reads it. */
import { Schema } from "effect"
import { boundedOneLine } from "../bounds/oneLine.ts"
import { Locale } from "../config/StationConfig.ts"
import { ScanContext } from "../scan/ScanApi.ts"
import { Operator } from "../session/Operator.ts"

export const DeviceKind = Schema.Literals(["scanner", "scale", "label-printer", "receipt-printer", "broker"])
export type DeviceKind = typeof DeviceKind.Type

/**
 * How the station reaches a device; the UI words it with the kind ("Etikettendrucker (simuliert)"). Stable: the UI
 * translates each one, so a code is only ever added, never renamed.
 */
export const DeviceConnection = Schema.Literals(["serial", "network", "device-file", "simulated"])
export type DeviceConnection = typeof DeviceConnection.Type

/**
 * How a device is, for the UI to word in the bench's language. Stable, like `DeviceConnection`.
 * - `connected`, `disconnected`: a scanner or scale on its line (or not).
 * - `line-noise`: a scanner sent bytes that are no scan.
 * - `scale-fault`: a scale connected but without a valid weight (overload, an error code).
 * - `not-used-yet`: a printer no job was sent to since the start.
 * - `not-present`: a printer whose device file was not there at start (unplugged or switched off), until its first job.
 * - `job-queued`, `job-printing`, `job-printed`, `job-failed`: a printer's last job.
 * - `job-retrying`: a printer's last job failed and waits to be sent again.
 */
export const DeviceConditionCode = Schema.Literals([
  "connected",
  "disconnected",
  "line-noise",
  "scale-fault",
  "not-used-yet",
  "not-present",
  "job-queued",
  "job-printing",
  "job-printed",
  "job-failed",
  "job-retrying"
])
export type DeviceConditionCode = typeof DeviceConditionCode.Type

/** A device's `where` or `detail` is one line of at most this much: a port, an address, a driver's reason. */
export const maxDeviceTextChars = 200

const DeviceText = Schema.String.check(Schema.isMaxLength(maxDeviceTextChars))

/** A driver's text (a path, an address, its reason) as a device's `where` or `detail`: one line, bounded. */
export const deviceText = (text: string): string => boundedOneLine(text, maxDeviceTextChars)

export const DeviceStatus = Schema.Struct({
  id: Schema.String,
  kind: DeviceKind,
  connection: DeviceConnection,
  /** Where the device is: its serial port or device file, its address, a simulated printer's folder. Shown as is. */
  where: DeviceText,
  state: Schema.Literals(["ok", "warning", "error", "unknown"]),
  condition: DeviceConditionCode,
  /** The driver's own (English) words on the condition, for whoever fixes it: shown quietly, as text. */
  detail: Schema.optional(DeviceText)
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
