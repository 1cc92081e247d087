/** Station migration 0080: the station's share of each number range. */
import type { Migration } from "../../store/Migrations.ts"

/**
 * The station's share of each number range it issues from (a carrier's tracking numbers, SSCC serial references):
 * the site's range as the carrier or GS1 allocated it, which slot of it this station holds, the block that slot
 * gives, the next number and how far the station reserved ahead (outside this database too, see NumberReservations).
 * Rows of the older per-carrier table move over as a block of their own; the station plans them anew at start.
 */
export const m0080_number_ranges: Migration = {
  id: 80,
  name: "number ranges split into one block per station, with reservations",
  statements: [
    `CREATE TABLE number_ranges (
      name TEXT PRIMARY KEY,
      range_start INTEGER NOT NULL,
      range_end INTEGER NOT NULL,
      slot INTEGER NOT NULL,
      slots INTEGER NOT NULL,
      block_start INTEGER NOT NULL,
      block_end INTEGER NOT NULL,
      next INTEGER NOT NULL,
      reserved_to INTEGER NOT NULL,
      CHECK (range_start <= block_start AND block_end <= range_end),
      CHECK (slots >= 1 AND slot >= 0 AND slot < slots),
      CHECK (block_start <= next AND next <= block_end),
      CHECK (next <= reserved_to AND reserved_to <= block_end)
    )`,
    `INSERT INTO number_ranges (name, range_start, range_end, slot, slots, block_start, block_end, next, reserved_to)
      SELECT 'tracking:' || carrier, next, end_exclusive, 0, 1, next, end_exclusive, next, next FROM tracking_ranges`,
    "DROP TABLE tracking_ranges"
  ]
}
