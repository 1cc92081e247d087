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

describe("migration 0111 (a cancellation recorded while the order's was in force is a repeat)", () => {
  it("finds the repeats in the log: none after a reinstatement, nor after a newer version not cancelled", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m111-")), "station.db")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 110))
        // SO-1 (shipped): cancelled at 2, again at 3 (order.cancel) and at 4 (a version that cancels, its
        // order.received first), taken back by version 5 (a station before order.reinstated: its order.received
        // alone), cancelled at 6; SO-2 (open): cancelled at 2, again at 3, taken back at 4 (order.reinstated), cancelled
        // at 5, an address correction at 6, again at 7; SO-3: cancelled at 2, a version at 3 that is cancelled too
        // (its order.received alone: the order was cancelled here), again at 4.
        const events: ReadonlyArray<readonly [string, string, unknown]> = [
          ["a1", "order.cancelled", { orderId: "SO-1", orderVersion: 2, previousStatus: "shipped" }],
          ["a2", "order.cancelled", { orderId: "SO-1", orderVersion: 3, previousStatus: "shipped" }],
          ["a3", "order.received", { order: { orderId: "SO-1", version: 4, status: "shipped" }, replacedVersion: 3 }],
          ["a4", "order.cancelled", { orderId: "SO-1", orderVersion: 4, previousStatus: "shipped" }],
          ["b1", "order.cancelled", { orderId: "SO-2", orderVersion: 2, previousStatus: "open" }],
          ["a5", "order.received", { order: { orderId: "SO-1", version: 5, status: "shipped" }, replacedVersion: 4 }],
          ["b2", "order.cancelled", { orderId: "SO-2", orderVersion: 3, previousStatus: "cancelled" }],
          ["a6", "order.cancelled", { orderId: "SO-1", orderVersion: 6, previousStatus: "shipped" }],
          ["b3", "order.received", { order: { orderId: "SO-2", version: 4, status: "open" }, replacedVersion: 3 }],
          ["b4", "order.reinstated", { orderId: "SO-2", orderVersion: 4, status: "open" }],
          ["b5", "order.cancelled", { orderId: "SO-2", orderVersion: 5, previousStatus: "open" }],
          ["b6", "order.address-corrected", { orderId: "SO-2", orderVersion: 6 }],
          ["b7", "order.cancelled", { orderId: "SO-2", orderVersion: 7, previousStatus: "cancelled" }],
          ["c1", "order.cancelled", { orderId: "SO-3", orderVersion: 2, previousStatus: "open" }],
          ["c2", "order.received", { order: { orderId: "SO-3", version: 3, status: "cancelled" }, replacedVersion: 2 }],
          ["c3", "order.cancelled", { orderId: "SO-3", orderVersion: 4, previousStatus: "cancelled" }]
        ]
        for (const [index, [id, type, payload]] of events.entries()) {
          yield* sql.execute(
            `INSERT INTO events (seq, id, type, version, epoch, event_wall_ms, event_mono_ns, ntp_offset_ms,
               record_time_ms, actor, payload, epcis) VALUES (?, ?, ?, 1, 'e', 0, '0', NULL, 0, '{"role":"system"}', ?, NULL)`,
            [index + 1, id, type, JSON.stringify(payload)]
          )
        }
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 111))
        const rows = yield* sql.query<{ event_id: string }>(
          "SELECT event_id FROM repeated_cancellations ORDER BY event_id"
        )
        return { applied, repeats: rows.map((row) => row.event_id) }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(0).layer)))
    )
    expect(result.applied).toEqual([111])
    expect(result.repeats).toEqual(["a2", "a4", "b2", "b7", "c3"])
  })
})
