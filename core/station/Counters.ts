/** The station's named counters, taken inside the transaction that uses the number. */
import { Effect } from "effect"
import { Sql } from "../store/Sql.ts"

/**
 * The station's named counters, the one owner of `pack_counters`: each name (`parcel`, `sscc`, `return` …) counts
 * from 1. Run it inside the transaction that uses the number, so a rolled-back parcel or return gives its number
 * back and no number is used twice.
 */
export const nextCounter = (name: string) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const rows = yield* sql.query<{ next: number }>("SELECT next FROM pack_counters WHERE name = ?", [name])
    const next = Number(rows[0]?.next ?? 1)
    yield* sql.execute(
      "INSERT INTO pack_counters (name, next) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET next = excluded.next",
      [name, next + 1]
    )
    return next
  })
