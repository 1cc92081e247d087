import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../../drivers/sqlite/SqliteSql.ts"
import { duplicateUnitLinesUnknown } from "../../returns/ReturnsInbound.ts"
import { migrate } from "../../store/Migrations.ts"
import { Sql } from "../../store/Sql.ts"
import { StationClock } from "../../time/Clock.ts"
import { stationMigrations } from "./index.ts"

/** A decided unit whose refund the hub rejected, as a station before 0106 stored it, with the words it was sent. */
const rejectedItem = (otherReturnId: string, en: string) =>
  JSON.stringify({
    outcome: "refund-full",
    amountCents: 1290,
    rejection: { reason: { de: `de: ${en}`, en }, otherReturnId, otherStationId: "RET-09" }
  })

describe("migration 0106 (duplicate-unit rejections the hub could not classify)", () => {
  it("words each stored duplicate-unit rejection as one on this line or under the other numbering; the others stay", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m106-")), "station.db")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 105))
        yield* sql.execute(
          `INSERT INTO returns (return_id, status, order_id, scanned, notes, received_at_ms)
           VALUES ('R-1', 'finished', 'SO-1', 'x', '[]', 1)`
        )
        const items: ReadonlyArray<readonly [string, string]> = [
          ["R-1-01", rejectedItem("RET-09-R1", "No refund: this unit was already requested for refund in return X")],
          ["R-1-02", rejectedItem("RET-09-R2", "No refund: the shop numbered the order's lines anew, …")],
          ["R-1-03", rejectedItem("RET-09-R3", "No refund: together with return X it would refund more than was paid")],
          ["R-1-04", JSON.stringify({ outcome: "refund-full", amountCents: 1290 })]
        ]
        for (const [itemRef, decision] of items) {
          yield* sql.execute(
            "INSERT INTO return_items (item_ref, return_id, flags, decision) VALUES (?, 'R-1', '[]', ?)",
            [itemRef, decision]
          )
        }
        const reasons: ReadonlyArray<readonly [string, string]> = [
          ["R-1-01", "duplicate-unit"],
          ["R-1-02", "duplicate-unit-renumbered"],
          ["R-1-03", "paid-amount-exceeded"]
        ]
        for (const [index, [itemRef, reason]] of reasons.entries()) {
          yield* sql.execute(
            `INSERT INTO events (seq, id, type, version, epoch, event_wall_ms, event_mono_ns, record_time_ms, actor,
               payload) VALUES (?, ?, 'return.refund-rejected', 1, 'E', 1, '1', 1, '{}', ?)`,
            [index + 1, `e-${index}`, JSON.stringify({ itemRef, reason })]
          )
        }
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 106))
        const rows = yield* sql.query<{ item_ref: string; decision: string }>(
          "SELECT item_ref, decision FROM return_items ORDER BY item_ref"
        )
        return { applied, before: items.map(([, decision]) => JSON.parse(decision)), rows }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(1_795_000_000_000).layer)))
    )
    expect(result.applied).toEqual([106])
    const after = result.rows.map((row) => JSON.parse(row.decision))
    expect(after[0]).toEqual({
      ...result.before[0],
      rejection: {
        ...result.before[0].rejection,
        reason: duplicateUnitLinesUnknown("RET-09-R1", "RET-09")
      }
    })
    expect(after.slice(1)).toEqual(result.before.slice(1))
  })
})
