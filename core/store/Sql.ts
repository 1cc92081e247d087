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
 * What a transaction writes for. `partition` names the owners whose rows it reads and writes (the stations of a
 * consumer's batch): transactions with disjoint partitions may run at once, on a driver that runs transactions in
 * parallel (PostgreSQL, across every process sharing the database), while two naming the same owner, and every
 * transaction without a partition, run one at a time. Rows outside the partition it may only touch with single
 * atomic statements (upserts, increments). SQLite runs every transaction alone and ignores it.
 */
export interface TransactionOptions {
  readonly partition?: ReadonlyArray<string>
  /**
   * Lets `write` statements wait and go to the database together (see `write`): for a transaction that writes many
   * rows whose statements' results it never reads, such as the consumer's batch. Without it `write` runs at once.
   */
  readonly batchWrites?: boolean
  /**
   * false: the commit may return before it is on disk, and the next durable commit takes it to disk with its own
   * (PostgreSQL commits it with synchronous_commit off, SQLite with synchronous=NORMAL: no sync of its log).
   * Only for a transaction whose loss in a power cut changes nothing another would not, such as the sender's claim:
   * a lost claim leaves its row due and the mail is sent again after the restart, as it is after a claim that
   * survived. Durable when absent.
   */
  readonly durable?: boolean
  /**
   * true: may start while the last durable commit is still on its way to disk, and so read what a power cut could
   * still take (SQLite synced by the store, `syncOffLoop`; every other statement waits). Only for a reader that
   * loses nothing when that commit is lost after it acted on it, such as the sender: the source of the lost fact
   * sends it again, and the mail goes again with the same Message-ID. Or for a durable transaction that lets nothing
   * it read out until it returned, such as the sync consumer's batch (the station's ack waits for it): it returns
   * once its own commit is on disk, and that sync is not done before the earlier ones are, so a power cut takes what
   * it read only together with it. Where each commit is on disk before anything else runs (PostgreSQL, SQLite synced
   * by SQLite itself) it changes nothing.
   */
  readonly readsAhead?: boolean
}

/** How a driver runs one read. */
export interface QueryOptions {
  /**
   * true: planned for its parameters each time it runs. For a read of a growing table that runs once per batch, by a
   * list of keys: PostgreSQL plans a prepared statement once per connection after its first few runs, and one planned
   * while its tables were small reads them whole for as long as the connection lasts (a fresh database grows past that
   * within minutes). Costs a parse and a plan each run. SQLite plans without table statistics and ignores it.
   */
  readonly planEachTime?: boolean
}

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
      params?: ReadonlyArray<SqlValue>,
      options?: QueryOptions
    ) => Effect.Effect<ReadonlyArray<Row>, StoreError>
    readonly execute: (
      sql: string,
      params?: ReadonlyArray<SqlValue>
    ) => Effect.Effect<{ readonly changes: number }, StoreError>
    /**
     * A statement whose result the caller does not need (an insert, upsert, update or delete). Inside a transaction
     * opened with `batchWrites` the driver may hold it and send it with the statements written after it, in the
     * order written, before the transaction's next `query` or `execute` and before its commit: every read still
     * sees every earlier write. A held statement that fails fails the statement or commit that sent it, and every
     * statement of the transaction after it, so the transaction rolls back. Elsewhere it runs at once like
     * `execute`.
     */
    readonly write: (sql: string, params?: ReadonlyArray<SqlValue>) => Effect.Effect<void, StoreError>
    readonly transaction: <A, E, R>(
      effect: Effect.Effect<A, E, R>,
      options?: TransactionOptions
    ) => Effect.Effect<A, E | StoreError, R>
  }
>()("packbench/core/store/Sql") {}
