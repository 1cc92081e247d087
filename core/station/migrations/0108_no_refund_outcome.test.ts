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

/** A unit decided with nothing to refund, or held, as a station before 0108 stored it: held for review at 0. */
const heldItem = (en: string, de: string) =>
  JSON.stringify({
    outcome: "hold-for-review",
    amountCents: 0,
    suggestedCents: 0,
    currency: "EUR",
    ruleId: null,
    reason: { de, en },
    suggestedDisposition: "return-to-vendor",
    facts: null
  })

describe("migration 0108 (units decided with no second refund read as no-refund)", () => {
  it("turns a stored 'No second refund' hold without a refund row into no-refund; real holds stay held", async () => {
    const filename = join(mkdtempSync(join(tmpdir(), "pb-m108-")), "station.db")
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* migrate(stationMigrations.filter((migration) => migration.id <= 107))
        yield* sql.execute(
          `INSERT INTO returns (return_id, status, order_id, scanned, notes, received_at_ms)
           VALUES ('R-1', 'finished', 'SO-1', 'x', '[]', 1)`
        )
        const items: ReadonlyArray<readonly [string, string]> = [
          [
            "R-1-01",
            heldItem(
              "No second refund: serial GPS-1 was already scanned into this return as item R-1-03",
              "Keine zweite Erstattung: Seriennummer GPS-1 wurde schon als Artikel R-1-03 in diese Retoure gescannt"
            )
          ],
          ["R-1-02", heldItem("Mismatch (serial-mismatch): review", "Abweichung (serial-mismatch): Prüfung")],
          ["R-1-03", JSON.stringify({ outcome: "refund-full", amountCents: 7900, reason: { de: "", en: "" } })],
          // Held with a refund row, a manager's to approve: whatever its words, it stays held.
          ["R-1-04", heldItem("No second refund: worded so by hand", "Keine zweite Erstattung: von Hand")]
        ]
        for (const [itemRef, decision] of items) {
          yield* sql.execute(
            "INSERT INTO return_items (item_ref, return_id, flags, decision) VALUES (?, 'R-1', '[]', ?)",
            [itemRef, decision]
          )
        }
        for (const [itemRef, unit, outcome, status] of [
          ["R-1-03", 1, "refund-full", "decided"],
          ["R-1-04", 2, "hold-for-review", "held"]
        ] as const) {
          yield* sql.execute(
            `INSERT INTO refunds (order_id, line_id, unit, item_ref, customer_id, outcome, amount_cents, currency,
               rule_id, status, decided_at_ms) VALUES ('SO-1', '1', ?, ?, NULL, ?, 0, 'EUR', NULL, ?, 1)`,
            [unit, itemRef, outcome, status]
          )
        }
        const applied = yield* migrate(stationMigrations.filter((migration) => migration.id <= 108))
        const rows = yield* sql.query<{ item_ref: string; decision: string }>(
          "SELECT item_ref, decision FROM return_items ORDER BY item_ref"
        )
        return { applied, before: items.map(([, decision]) => JSON.parse(decision)), rows }
      }).pipe(Effect.provide(Layer.merge(layerSqlite({ filename }), StationClock.manual(1_795_000_000_000).layer)))
    )
    expect(result.applied).toEqual([108])
    const after = result.rows.map((row) => JSON.parse(row.decision))
    expect(after[0]).toEqual({ ...result.before[0], outcome: "no-refund" })
    expect(after.slice(1)).toEqual(result.before.slice(1))
  })
})
