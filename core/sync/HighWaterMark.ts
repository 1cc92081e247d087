/** The port for the outbox high-water mark kept outside the database, against restored backups. */
import { Context, Effect } from "effect"
import type { StoreError } from "../store/Sql.ts"

/** The highest log sequence the station ever let out of its database, and the epoch it was numbered in. */
export interface HighWaterMarkValue {
  readonly epoch: string
  readonly seq: number
}

/**
 * A record kept OUTSIDE the station database (a small file in the data dir), so that a database restored from a
 * backup cannot roll it back with itself. The outbox raises it before it publishes; `EpochGuard` compares it with
 * the database at start. Writes are durable (fsync) before they return.
 */
export class HighWaterMark extends Context.Service<
  HighWaterMark,
  {
    readonly read: Effect.Effect<HighWaterMarkValue | undefined, StoreError>
    readonly write: (value: HighWaterMarkValue) => Effect.Effect<void, StoreError>
  }
>()("packbench/core/sync/HighWaterMark") {}

/** A mark kept in memory: for tests, where "outside the database" only has to survive a database swap. */
export const makeMemoryHighWaterMark = (initial?: HighWaterMarkValue) => {
  let value = initial
  return HighWaterMark.of({
    read: Effect.sync(() => value),
    write: (next) =>
      Effect.sync(() => {
        value = next
      })
  })
}
