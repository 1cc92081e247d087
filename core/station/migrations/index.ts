/** The station database's list of migrations, oldest first. */
import type { Migration } from "../../store/Migrations.ts"
import { m0001_event_log } from "./0001_event_log.ts"
import { m0002_sync } from "./0002_sync.ts"
import { m0003_sync_trust } from "./0003_sync_trust.ts"
import { m0020_reference_data } from "./0020_reference_data.ts"
import { m0021_print_jobs } from "./0021_print_jobs.ts"
import { m0030_pack } from "./0030_pack.ts"
import { m0031_tracking_ranges } from "./0031_tracking_ranges.ts"
import { m0032_handover } from "./0032_handover.ts"
import { m0040_returns } from "./0040_returns.ts"
import { m0050_catalog_versions } from "./0050_catalog_versions.ts"
import { m0060_boxes } from "./0060_boxes.ts"
import { m0070_pending_labels } from "./0070_pending_labels.ts"
import { m0071_pack_session } from "./0071_pack_session.ts"
import { m0080_number_ranges } from "./0080_number_ranges.ts"
import { m0090_manager_pins } from "./0090_manager_pins.ts"
import { m0091_audit_log } from "./0091_audit_log.ts"
import { m0092_hot_path_indexes } from "./0092_hot_path_indexes.ts"
import { m0093_events_by_event_time } from "./0093_events_by_event_time.ts"
import { m0094_held_by_msg_id } from "./0094_held_by_msg_id.ts"
import { m0095_label_ship_to } from "./0095_label_ship_to.ts"
import { m0096_parcel_order_changes } from "./0096_parcel_order_changes.ts"
import { m0097_pending_label_reach } from "./0097_pending_label_reach.ts"
import { m0098_carrier_cancellations } from "./0098_carrier_cancellations.ts"
import { m0099_pending_label_refused } from "./0099_pending_label_refused.ts"
import { m0100_label_reservations } from "./0100_label_reservations.ts"
import { m0101_parcels_at_station } from "./0101_parcels_at_station.ts"
import { m0102_order_hub_corrections } from "./0102_order_hub_corrections.ts"
import { m0103_carrier_cancellations_by_hand } from "./0103_carrier_cancellations_by_hand.ts"
import { m0104_shipments_cancelled_by_hand } from "./0104_shipments_cancelled_by_hand.ts"
import { m0105_shipments_by_hand_reopened } from "./0105_shipments_by_hand_reopened.ts"
import { m0106_rejections_lines_unknown } from "./0106_rejections_lines_unknown.ts"
import { m0107_closes_by_hand_by_time } from "./0107_closes_by_hand_by_time.ts"
import { m0108_no_refund_outcome } from "./0108_no_refund_outcome.ts"
import { m0109_shipped_cancellations } from "./0109_shipped_cancellations.ts"
import { m0110_no_refund_corrections_due } from "./0110_no_refund_corrections_due.ts"
import { m0111_repeated_cancellations } from "./0111_repeated_cancellations.ts"

/** The station database's schema history, oldest first. */
export const stationMigrations: ReadonlyArray<Migration> = [
  m0001_event_log,
  m0002_sync,
  m0003_sync_trust,
  m0020_reference_data,
  m0021_print_jobs,
  m0030_pack,
  m0031_tracking_ranges,
  m0032_handover,
  m0040_returns,
  m0050_catalog_versions,
  m0060_boxes,
  m0070_pending_labels,
  m0071_pack_session,
  m0080_number_ranges,
  m0090_manager_pins,
  m0091_audit_log,
  m0092_hot_path_indexes,
  m0093_events_by_event_time,
  m0094_held_by_msg_id,
  m0095_label_ship_to,
  m0096_parcel_order_changes,
  m0097_pending_label_reach,
  m0098_carrier_cancellations,
  m0099_pending_label_refused,
  m0100_label_reservations,
  m0101_parcels_at_station,
  m0102_order_hub_corrections,
  m0103_carrier_cancellations_by_hand,
  m0104_shipments_cancelled_by_hand,
  m0105_shipments_by_hand_reopened,
  m0106_rejections_lines_unknown,
  m0107_closes_by_hand_by_time,
  m0108_no_refund_outcome,
  m0109_shipped_cancellations,
  m0110_no_refund_corrections_due,
  m0111_repeated_cancellations
]
