import { Effect } from "effect"
import { StationClock } from "../time/Clock.ts"
import { Sql } from "./Sql.ts"

/** One schema step. Ids only ever grow; a released migration is never edited, a fix is a new migration. */
export interface Migration {
  readonly id: number
  readonly name: string
  readonly statements: ReadonlyArray<string>
}

/**
 * Applies, in one transaction each and in id order, every migration the database has not applied yet.
 * Returns the ids it applied. Ids must be unique and ascending in `migrations`: a mistake there is a defect.
 */
export const migrate = Effect.fn("Migrations.migrate")(function* (migrations: ReadonlyArray<Migration>) {
  const sql = yield* Sql
  const clock = yield* StationClock
  for (const [index, migration] of migrations.entries()) {
    const previous = migrations[index - 1]
    if (previous !== undefined && previous.id >= migration.id) {
      return yield* Effect.die(`migration ${migration.id} (${migration.name}) is out of order after ${previous.id}`)
    }
  }
  yield* sql.execute(
    "CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
  )
  const rows = yield* sql.query<{ id: number }>("SELECT id FROM schema_migrations")
  // Applied by id, not by maximum: a migration merged from a parallel branch with a lower id still runs.
  const done = new Set(rows.map((row) => Number(row.id)))
  const applied: Array<number> = []
  for (const migration of migrations) {
    if (done.has(migration.id)) continue
    const now = yield* clock.now
    yield* sql.transaction(
      Effect.gen(function* () {
        for (const statement of migration.statements) yield* sql.execute(statement)
        yield* sql.execute("INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)", [
          migration.id,
          migration.name,
          new Date(now.wallMs).toISOString()
        ])
      })
    )
    applied.push(migration.id)
  }
  return applied
})
