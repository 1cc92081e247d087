import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { legacyStationRows } from "../../../fixtures/sqlite/LegacyStationRows.ts"
import { labelAddressOutdated } from "../../pack/labelAddressOutdated.ts"
import { migrate } from "../../store/Migrations.ts"
import { Sql } from "../../store/Sql.ts"
import { StationClock } from "../../time/Clock.ts"
import { stationMigrations } from "./index.ts"

const address = (street1: string) => ({
  name: "Anna Schmidt",
  street1,
  postalCode: "10115",
  city: "Berlin",
  country: "DE"
})
const [first, second, third, pending] = [
  address("Hauptstraße 1"),
  address("Torstraße 2"),
  address("Gasse 3"),
  address("Weg 4")
]

describe("migration 0095 (the address each parcel's label was made for)", () => {
  it("gives each parcel still at a station at 0094 the order's address of when it was packed", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m95-")), "station.db")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 94))
        const legacy = yield* legacyStationRows
        const { event, parcel } = legacy
        const order = (orderId: string, shipTo: unknown, status: string) => legacy.order(orderId, status, { shipTo })
        // SO-1 was corrected after its parcel was packed; SO-2 before its parcel was packed.
        yield* event("order.received", 100, { order: { orderId: "SO-1", shipTo: first } })
        yield* event("order.received", 110, { order: { orderId: "SO-2", shipTo: first } })
        yield* event("order.address-corrected", 120, { orderId: "SO-2", shipTo: second })
        yield* event("parcel.packed", 200, { orderId: "SO-1", parcelId: "P-1" })
        yield* event("parcel.packed", 210, { orderId: "SO-2", parcelId: "P-2" })
        yield* event("order.address-corrected", 300, { orderId: "SO-1", shipTo: third })
        yield* order("SO-1", third, "packed")
        yield* order("SO-2", second, "packed")
        yield* parcel("P-1", "SO-1", "packed", 200)
        yield* parcel("P-2", "SO-2", "packed", 210)
        // SO-3 waits for its label; SO-4 came with the sample data, before orders were recorded; SO-5 left.
        yield* order("SO-3", third, "packed")
        yield* parcel("P-3", "SO-3", "label-pending", 220)
        yield* sql.execute(
          `INSERT INTO pending_labels (parcel_id, carrier, request, packed, next_attempt_at_ms, last_error, created_at_ms)
           VALUES ('P-3', 'dhl-paket', ?, '{}', 0, 'offline', 0)`,
          [JSON.stringify({ parcelId: "P-3", shipTo: pending })]
        )
        yield* order("SO-4", first, "packed")
        yield* parcel("P-4", "SO-4", "packed", 230)
        yield* order("SO-5", first, "shipped")
        yield* parcel("P-5", "SO-5", "handed-over", 240)
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 95))
        const rows = yield* sql.query<{ parcel_id: string; data: string; order_ship_to: string | null }>(
          `SELECT p.parcel_id, p.data, json_extract(o.data, '$.shipTo') AS order_ship_to
           FROM parcels p JOIN orders o ON o.order_id = p.order_id ORDER BY p.parcel_id`
        )
        const temporary = yield* sql.query("SELECT name FROM sqlite_temp_master")
        return { applied, rows, temporary }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(1_795_000_000_000).layer)))
    )
    expect(result.applied).toEqual([95])
    expect(result.rows.map((row) => [row.parcel_id, JSON.parse(row.data).shipTo])).toEqual([
      ["P-1", first],
      ["P-2", second],
      ["P-3", pending],
      ["P-4", first],
      ["P-5", undefined]
    ])
    expect(result.rows.map((row) => [row.parcel_id, labelAddressOutdated(row)])).toEqual([
      ["P-1", true],
      ["P-2", false],
      ["P-3", true],
      ["P-4", false],
      ["P-5", false]
    ])
    expect(JSON.parse(result.rows[0]!.data).ssccUrn).toBe("urn:x")
    expect(result.temporary).toEqual([])
  })
})
