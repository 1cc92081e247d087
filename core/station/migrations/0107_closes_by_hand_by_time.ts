/** Station migration 0107: the closes by hand indexed by when they were made, for the manager's card of recent ones. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * The manager's card lists the closes in force of the last `carrierCancellations.closesShownDays` days, newest
 * first (core/pack/ByHandCancellations.ts): without an index on the close time it read and sorted every close ever
 * made, a table that only grows (append-only since 0104). With it the card reads the window from its newest end.
 */
export const m0107_closes_by_hand_by_time: Migration = {
  id: 107,
  name: "by-hand closes by close time",
  statements: ["CREATE INDEX shipments_cancelled_by_hand_by_time ON shipments_cancelled_by_hand (closed_at_ms)"]
}
