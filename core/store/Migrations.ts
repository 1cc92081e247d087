/** Schema migrations for SQLite and PostgreSQL and the function that applies them. */
import { Effect } from "effect"
import { StationClock } from "../time/Clock.ts"
import { Sql } from "./Sql.ts"

/**
 * One statement of a migration: plain SQL both dialects accept, or one text per dialect where they cannot agree
 * (identity columns, types whose width differs: SQLite's INTEGER is 64-bit, PostgreSQL's is 32-bit), null for a
 * dialect that has nothing to do (a column PostgreSQL widens is as wide in SQLite already).
 */
export type MigrationStatement = string | { readonly sqlite: string | null; readonly postgres: string | null }

/** One schema step. Ids only ever grow; a released migration is never edited, a fix is a new migration. */
export interface Migration {
  readonly id: number
  readonly name: string
  readonly statements: ReadonlyArray<MigrationStatement>
}

/** The text of `statement` for `dialect`, or null when that dialect has nothing to do. */
export const statementFor = (statement: MigrationStatement, dialect: Sql["Service"]["dialect"]): string | null =>
  typeof statement === "string" ? statement : statement[dialect]

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
  // In a transaction, so two processes starting on one PostgreSQL database take turns (IF NOT EXISTS alone races).
  yield* sql.transaction(
    sql.execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
  )
  const rows = yield* sql.query<{ id: number }>("SELECT id FROM schema_migrations")
  // Applied by id, not by maximum: a migration merged from a parallel branch with a lower id still runs.
  const done = new Set(rows.map((row) => Number(row.id)))
  const applied: Array<number> = []
  for (const migration of migrations) {
    if (done.has(migration.id)) continue
    const now = yield* clock.now
    const ran = yield* sql.transaction(
      Effect.gen(function* () {
        // Another process sharing the database may have applied it since the read above.
        const again = yield* sql.query("SELECT id FROM schema_migrations WHERE id = ?", [migration.id])
        if (again.length > 0) return false
        for (const statement of migration.statements) {
          const text = statementFor(statement, sql.dialect)
          if (text !== null) yield* sql.execute(text)
        }
        yield* sql.execute("INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)", [
          migration.id,
          migration.name,
          new Date(now.wallMs).toISOString()
        ])
        return true
      })
    )
    if (ran) applied.push(migration.id)
  }
  return applied
})
