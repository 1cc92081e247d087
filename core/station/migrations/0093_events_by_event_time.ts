/** Station migration 0093: an index on the events' device time, for exports that select a time window. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * `packbench epcis export --from/--to` selects events by when the device saw them (event_wall_ms), not by sequence:
 * without this index every such export would read the whole log.
 */
export const m0093_events_by_event_time: Migration = {
  id: 93,
  name: "index on the events' device time",
  statements: ["CREATE INDEX IF NOT EXISTS events_by_event_time ON events (event_wall_ms, seq)"]
}
