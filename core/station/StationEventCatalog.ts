/**
 * Every kind of event a station appends, at the version this build writes: what lets a consumer tell an event it has
 * no use for (a scan, a sign-in) from one a newer station brought that it cannot read yet.
 */
import { CatalogUpdated } from "../catalog/CatalogEvents.ts"
import type { EventDefinition } from "../events/EventDefinition.ts"
import { EvidencePhotosPruned } from "../evidence/EvidenceEvents.ts"
import {
  InboundUpdateIgnored,
  OrderAddressCorrected,
  OrderCancelled,
  OrderReceived,
  OrderReinstated
} from "../orders/OrderEvents.ts"
import { BoxCatalogUpdated } from "../pack/BoxEvents.ts"
import {
  OrderAddressHold,
  PackException,
  PackItemVerified,
  PackQuantitySet,
  PackScanUndone,
  ParcelHandedToCarrier,
  ParcelLabelPending,
  ParcelLinesRenumbered,
  ParcelPacked,
  ParcelShipmentByHandReopened,
  ParcelShipmentCancelled,
  ParcelShipmentCancelledByHand,
  ParcelVoided,
  ParcelVoidedBeforeLabel
} from "../pack/PackEvents.ts"
import {
  ReturnCancelled,
  ReturnDispositionSet,
  ReturnItemGraded,
  ReturnReceived,
  ReturnRefundDecided,
  ReturnRefundDecisionCorrected,
  ReturnRefundFailed,
  ReturnRefundIssued,
  ReturnRefundRejected
} from "../returns/ReturnsEvents.ts"
import { RulesUpdated } from "../returns/RulesEvents.ts"
import { OperatorSignedIn, OperatorSignedOut } from "../session/SessionEvents.ts"

/** Every station event definition; `StationEventCatalog.test.ts` fails when a feature defines one not listed here. */
export const stationEventDefinitions: ReadonlyArray<Pick<EventDefinition<string, unknown>, "type" | "version">> = [
  OrderReceived,
  OrderCancelled,
  OrderReinstated,
  OrderAddressCorrected,
  InboundUpdateIgnored,
  OrderAddressHold,
  PackException,
  PackItemVerified,
  PackQuantitySet,
  PackScanUndone,
  ParcelPacked,
  ParcelLabelPending,
  ParcelLinesRenumbered,
  ParcelVoided,
  ParcelVoidedBeforeLabel,
  ParcelShipmentCancelled,
  ParcelShipmentCancelledByHand,
  ParcelShipmentByHandReopened,
  ParcelHandedToCarrier,
  ReturnReceived,
  ReturnCancelled,
  ReturnItemGraded,
  ReturnDispositionSet,
  ReturnRefundDecided,
  ReturnRefundDecisionCorrected,
  ReturnRefundIssued,
  ReturnRefundFailed,
  ReturnRefundRejected,
  RulesUpdated,
  CatalogUpdated,
  BoxCatalogUpdated,
  EvidencePhotosPruned,
  OperatorSignedIn,
  OperatorSignedOut
]

/** The version this build writes of each station event type. */
export const stationEventVersions: ReadonlyMap<string, number> = new Map(
  stationEventDefinitions.map((definition) => [definition.type, definition.version])
)
