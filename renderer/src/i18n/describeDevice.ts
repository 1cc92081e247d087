/** Words a device of the Devices card in the bench's language: its kind, how it is reached, how it is. */
import type { DeviceConditionCode, DeviceConnection, DeviceKind, DeviceStatus } from "../../../core/api/StationApi.ts"
import type { MessageKey } from "./de.ts"
import type { Translate } from "./Translator.ts"

/** One wording per code: a code without one does not compile. */
const kinds: Readonly<Record<DeviceKind, MessageKey>> = {
  scanner: "deviceKind.scanner",
  scale: "deviceKind.scale",
  "label-printer": "deviceKind.label-printer",
  "receipt-printer": "deviceKind.receipt-printer",
  broker: "deviceKind.broker"
}

const connections: Readonly<Record<DeviceConnection, MessageKey>> = {
  serial: "deviceConnection.serial",
  network: "deviceConnection.network",
  "device-file": "deviceConnection.device-file",
  simulated: "deviceConnection.simulated"
}

const conditions: Readonly<Record<DeviceConditionCode, MessageKey>> = {
  connected: "deviceCondition.connected",
  disconnected: "deviceCondition.disconnected",
  "line-noise": "deviceCondition.line-noise",
  "scale-fault": "deviceCondition.scale-fault",
  "not-used-yet": "deviceCondition.not-used-yet",
  "not-present": "deviceCondition.not-present",
  "job-queued": "deviceCondition.job-queued",
  "job-printing": "deviceCondition.job-printing",
  "job-printed": "deviceCondition.job-printed",
  "job-failed": "deviceCondition.job-failed",
  "job-retrying": "deviceCondition.job-retrying"
}

/** "Etikettendrucker (simuliert)", "Scanner (seriell)". */
export const describeDevice = (t: Translate, device: DeviceStatus): string =>
  t("device.name", { kind: t(kinds[device.kind]), connection: t(connections[device.connection]) })

/** "verbunden", "letzter Auftrag gedruckt". */
export const describeDeviceCondition = (t: Translate, device: DeviceStatus): string => t(conditions[device.condition])

/** The driver's own (English) words on the condition, as the quiet details line; undefined: none. */
export const describeDeviceDetail = (t: Translate, device: DeviceStatus): string | undefined =>
  device.detail === undefined ? undefined : t("fleetProblem.details", { detail: device.detail })
