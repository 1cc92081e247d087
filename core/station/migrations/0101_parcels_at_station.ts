/** Station migration 0101: an index of the parcels still at the station, for the list of those held there. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * The Manager screen lists the parcels held at the station (`pack.held`), newest first, and reads them again on every
 * status push. Only the parcels still here (packed, or waiting for their label) can be held: a partial index of
 * them by packing time lets that read walk them alone, not every parcel the station ever packed.
 */
export const m0101_parcels_at_station: Migration = {
  id: 101,
  name: "index of the parcels still at the station",
  statements: [
    "CREATE INDEX parcels_at_station ON parcels (packed_at_ms, parcel_id) WHERE status IN ('packed', 'label-pending')"
  ]
}
