/** The SQL port both stores implement (SQLite at the station, SQLite or PostgreSQL at the hub), and its errors. */
import { Context, type Effect, Schema } from "effect"

export type SqlValue = string | number | bigint | null | Uint8Array

/**
 * Why the database refused. `DiskFull` and `ReadOnly` are the ones a person can fix (free space, fix permissions)
 * and the station shows them as such; the station stops taking new work rather than losing it.
 */
export const StoreFailure = Schema.Literals(["DiskFull", "ReadOnly", "Busy", "Corrupt", "Constraint", "Other"])
export type StoreFailure = typeof StoreFailure.Type

export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  reason: StoreFailure,
  message: Schema.String
}) {}

/**
 * The one database handle core uses. Statements use `?` placeholders in every dialect; drivers translate.
 * `transaction` runs the effect atomically: every statement issued inside it (on any fiber of that effect)
 * belongs to it, statements from elsewhere wait until it commits. Nested calls join the outer transaction.
 */
export class Sql extends Context.Service<
  Sql,
  {
    readonly dialect: "sqlite" | "postgres"
    readonly query: <Row = Record<string, unknown>>(
      sql: string,
      params?: ReadonlyArray<SqlValue>
    ) => Effect.Effect<ReadonlyArray<Row>, StoreError>
    readonly execute: (
      sql: string,
      params?: ReadonlyArray<SqlValue>
    ) => Effect.Effect<{ readonly changes: number }, StoreError>
    readonly transaction: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreError, R>
  }
>()("packbench/core/store/Sql") {}
