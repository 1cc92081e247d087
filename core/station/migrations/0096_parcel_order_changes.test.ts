import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { legacyStationRows } from "../../../fixtures/sqlite/LegacyStationRows.ts"
import { type ParcelHoldRow, parcelHold } from "../../pack/parcelHold.ts"
import { migrate } from "../../store/Migrations.ts"
import { Sql } from "../../store/Sql.ts"
import { StationClock } from "../../time/Clock.ts"
import { stationMigrations } from "./index.ts"

const shipTo = { name: "Anna Schmidt", street1: "Hauptstraße 1", postalCode: "10115", city: "Berlin", country: "DE" }
const twoMugs = [{ lineId: "1", sku: "ALP-MUG-01", quantity: 2, unitPrice: 12.9 }]
const oneMug = [{ lineId: "1", sku: "ALP-MUG-01", quantity: 1, unitPrice: 12.9 }]

describe("migration 0096 (parcels held back for what their order changed after packing)", () => {
  it("gives each parcel still at a station at 0095 its order's lines of when it was packed, and cancels orders the shop cancelled after", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m96-")), "station.db")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 95))
        const { event, order, parcel } = yield* legacyStationRows
        const received = (orderId: string, version: number, wallMs: number, lines: unknown) =>
          event("order.received", wallMs, { order: { orderId, version, lines }, replacedVersion: null })
        const cancelled = (orderId: string, version: number, wallMs: number) =>
          event("order.cancelled", wallMs, { orderId, orderVersion: version, previousStatus: "packed" })
        // SO-1 lost a mug after its parcel was packed; SO-2 before its parcel was packed.
        yield* received("SO-1", 1, 100, twoMugs)
        yield* received("SO-2", 1, 110, twoMugs)
        yield* received("SO-2", 2, 120, oneMug)
        yield* event("parcel.packed", 200, { orderId: "SO-1", parcelId: "P-1" })
        yield* event("parcel.packed", 210, { orderId: "SO-2", parcelId: "P-2" })
        yield* received("SO-1", 2, 300, oneMug)
        // SO-3 was cancelled while its parcel waited for its label; SO-4 was cancelled and then taken back.
        yield* received("SO-3", 1, 130, twoMugs)
        yield* received("SO-4", 1, 140, twoMugs)
        yield* event("parcel.label-pending", 220, { orderId: "SO-3", parcelId: "P-3" })
        yield* event("parcel.packed", 230, { orderId: "SO-4", parcelId: "P-4" })
        yield* cancelled("SO-3", 2, 310)
        yield* cancelled("SO-4", 2, 320)
        yield* received("SO-4", 3, 330, twoMugs)
        // SO-6 was cancelled after its parcel left: a return follows.
        yield* received("SO-6", 1, 150, twoMugs)
        yield* cancelled("SO-6", 2, 340)
        yield* order("SO-1", "packed", { shipTo, lines: oneMug }, 2)
        yield* order("SO-2", "packed", { shipTo, lines: oneMug }, 2)
        yield* order("SO-3", "packed", { shipTo, lines: twoMugs }, 2)
        yield* order("SO-4", "packed", { shipTo, lines: twoMugs }, 3)
        yield* parcel("P-1", "SO-1", "packed", 200)
        yield* parcel("P-2", "SO-2", "packed", 210)
        yield* parcel("P-3", "SO-3", "label-pending", 220)
        yield* parcel("P-4", "SO-4", "packed", 230)
        // SO-5 came with the sample data, before orders were recorded.
        yield* order("SO-5", "packed", { shipTo, lines: twoMugs })
        yield* parcel("P-5", "SO-5", "packed", 240)
        yield* order("SO-6", "shipped", { shipTo, lines: twoMugs }, 2)
        yield* parcel("P-6", "SO-6", "handed-over", 250)
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 96))
        const parcels = yield* sql.query<ParcelHoldRow & { parcel_id: string }>(
          `SELECT p.parcel_id, p.data, json_extract(o.data, '$.shipTo') AS order_ship_to, o.status AS order_status,
             json_extract(o.data, '$.lines') AS order_lines
           FROM parcels p JOIN orders o ON o.order_id = p.order_id ORDER BY p.parcel_id`
        )
        const orders = yield* sql.query<{ order_id: string; status: string; data_status: string }>(
          "SELECT order_id, status, json_extract(data, '$.status') AS data_status FROM orders ORDER BY order_id"
        )
        const temporary = yield* sql.query("SELECT name FROM sqlite_temp_master")
        return { applied, parcels, orders, temporary }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(1_795_000_000_000).layer)))
    )
    expect(result.applied).toEqual([96])
    expect(result.parcels.map((row) => [row.parcel_id, JSON.parse(row.data).lines])).toEqual([
      ["P-1", twoMugs],
      ["P-2", oneMug],
      ["P-3", twoMugs],
      ["P-4", twoMugs],
      ["P-5", twoMugs],
      ["P-6", undefined]
    ])
    expect(result.orders.map((row) => [row.order_id, row.status, row.data_status])).toEqual([
      ["SO-1", "packed", "packed"],
      ["SO-2", "packed", "packed"],
      ["SO-3", "cancelled", "cancelled"],
      ["SO-4", "packed", "packed"],
      ["SO-5", "packed", "packed"],
      ["SO-6", "shipped", "shipped"]
    ])
    expect(result.parcels.map((row) => [row.parcel_id, parcelHold(row)])).toEqual([
      ["P-1", "parcel-lines-outdated"],
      ["P-2", undefined],
      ["P-3", "order-cancelled-after-packing"],
      ["P-4", undefined],
      ["P-5", undefined],
      ["P-6", undefined]
    ])
    expect(JSON.parse(result.parcels[0]!.data).ssccUrn).toBe("urn:x")
    expect(result.temporary).toEqual([])
  })
})
