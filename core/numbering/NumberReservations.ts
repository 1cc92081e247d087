/** The port for number range reservations kept outside the database, so a restored backup never reissues a number. */
import { Context, Effect } from "effect"
import type { StoreError } from "../store/Sql.ts"

/**
 * How far each number range was reserved, kept OUTSIDE the station database (a small file in the data dir, like the
 * sync high-water mark): a database restored from a backup cannot roll it back with itself. A number is only handed
 * out below a reservation that was written here first, durably, so after a restore the station skips to it and never
 * issues a number twice, even one it printed while offline and never sent.
 */
export class NumberReservations extends Context.Service<
  NumberReservations,
  {
    readonly read: Effect.Effect<Readonly<Record<string, number>>, StoreError>
    /** Records that `name` is reserved up to `reservedTo` (exclusive) and returns once that is durable. */
    readonly reserve: (name: string, reservedTo: number) => Effect.Effect<void, StoreError>
  }
>()("packbench/core/numbering/NumberReservations") {}

/** Reservations kept in memory: for tests, where "outside the database" only has to survive a database swap. */
export const makeMemoryReservations = (initial: Readonly<Record<string, number>> = {}) => {
  let marks: Record<string, number> = { ...initial }
  return NumberReservations.of({
    read: Effect.sync(() => ({ ...marks })),
    reserve: (name, reservedTo) =>
      Effect.sync(() => {
        marks = { ...marks, [name]: reservedTo }
      })
  })
}
