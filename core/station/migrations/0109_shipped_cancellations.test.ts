import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { migrate } from "../../store/Migrations.ts"
import { Sql } from "../../store/Sql.ts"
import { StationClock } from "../../time/Clock.ts"
import { stationMigrations } from "./index.ts"

describe("migration 0109 (shipped orders keep the shop's cancellation in force)", () => {
  it("finds the cancellations in force of the orders shipped before in the log, and no other", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m109-")), "station.db")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 107))
        // SO-1: shipped, cancelled at 2 and again at 3 (a version that cancels, with its order.received), an address
        // correction at 4 since; SO-2: shipped, cancelled at 2 and taken back by version 3; SO-3: cancelled (not
        // shipped); SO-4: shipped, never cancelled.
        for (const [orderId, version, status] of [
          ["SO-1", 4, "shipped"],
          ["SO-2", 3, "shipped"],
          ["SO-3", 2, "cancelled"],
          ["SO-4", 1, "shipped"]
        ] as const) {
          yield* sql.execute(
            "INSERT INTO orders (order_id, version, status, data, updated_at_ms) VALUES (?, ?, ?, '{}', 0)",
            [orderId, version, status]
          )
        }
        const events: ReadonlyArray<readonly [string, unknown]> = [
          ["order.received", { order: { orderId: "SO-1", version: 1 }, replacedVersion: null }],
          ["order.received", { order: { orderId: "SO-2", version: 1 }, replacedVersion: null }],
          ["order.cancelled", { orderId: "SO-1", orderVersion: 2, previousStatus: "shipped" }],
          ["order.cancelled", { orderId: "SO-2", orderVersion: 2, previousStatus: "shipped" }],
          ["order.received", { order: { orderId: "SO-1", version: 3 }, replacedVersion: 2 }],
          ["order.cancelled", { orderId: "SO-1", orderVersion: 3, previousStatus: "shipped" }],
          ["order.received", { order: { orderId: "SO-2", version: 3 }, replacedVersion: 2 }],
          ["order.address-corrected", { orderId: "SO-1", orderVersion: 4 }],
          ["order.cancelled", { orderId: "SO-3", orderVersion: 2, previousStatus: "open" }]
        ]
        for (const [index, [type, payload]] of events.entries()) {
          yield* sql.execute(
            `INSERT INTO events (seq, id, type, version, epoch, event_wall_ms, event_mono_ns, ntp_offset_ms,
               record_time_ms, actor, payload, epcis) VALUES (?, ?, ?, 1, 'e', 0, '0', NULL, 0, '{"role":"system"}', ?, NULL)`,
            [index + 1, `ev-${index + 1}`, type, JSON.stringify(payload)]
          )
        }
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 108))
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 109))
        const rows = yield* sql.query<{ order_id: string; shipped_cancelled_version: number | null }>(
          "SELECT order_id, shipped_cancelled_version FROM orders ORDER BY order_id"
        )
        return { applied, rows }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(0).layer)))
    )
    expect(result.applied).toEqual([109])
    expect(result.rows).toEqual([
      { order_id: "SO-1", shipped_cancelled_version: 3 },
      { order_id: "SO-2", shipped_cancelled_version: null },
      { order_id: "SO-3", shipped_cancelled_version: null },
      { order_id: "SO-4", shipped_cancelled_version: null }
    ])
  })
})
