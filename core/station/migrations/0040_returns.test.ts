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

describe("migration 0040 (returns)", () => {
  it("adds the returns tables to a database that stopped at 0032, and refuses a second refund row for one unit", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m40-")), "station.db")
    const layer = Layer.merge(layerSqlite({ filename }), StationClock.manual(0).layer)
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 32))
        yield* sql.execute(
          "INSERT INTO orders (order_id, version, status, data, updated_at_ms) VALUES ('SO-1', 1, 'shipped', '{}', 0)"
        )
        const applied = yield* migrate(stationMigrations)
        const tables = yield* sql.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        yield* sql.execute(
          "INSERT INTO returns (return_id, status, scanned, notes, received_at_ms) VALUES ('R1', 'open', 'x', '[]', 0)"
        )
        for (const ref of ["R1-01", "R1-02"]) {
          yield* sql.execute("INSERT INTO return_items (item_ref, return_id, flags) VALUES (?, 'R1', '[]')", [ref])
        }
        const refund = (ref: string) =>
          sql.execute(
            `INSERT INTO refunds (order_id, line_id, unit, item_ref, outcome, amount_cents, currency, status, decided_at_ms)
             VALUES ('SO-1', '1', 1, ?, 'refund-full', 100, 'EUR', 'decided', 0)`,
            [ref]
          )
        yield* refund("R1-01")
        const second = yield* Effect.exit(refund("R1-02"))
        const orders = yield* sql.query("SELECT order_id FROM orders")
        return { applied, tables: tables.map((table) => table.name), second, orders }
      }).pipe(Effect.provide(layer))
    )
    expect(result.applied).toContain(40)
    expect(result.tables).toEqual(expect.arrayContaining(["rma", "returns", "return_items", "refunds"]))
    expect(result.second).toMatchObject({ _tag: "Failure" })
    expect(String(result.second)).toMatch(/UNIQUE constraint failed: refunds.order_id, refunds.line_id, refunds.unit/)
    expect(result.orders).toEqual([{ order_id: "SO-1" }])
  })
})
