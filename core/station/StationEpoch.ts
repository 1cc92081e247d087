/** The station database's epoch, which tells consumers a new database from the old one. */
import { Effect } from "effect"
import { uuid7 } from "../events/Uuid7.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"

/**
 * The database's epoch: created with the database and kept in it, so a fresh install or a database file from
 * another life starts a new numbering that consumers can tell apart from the old one.
 */
export const loadOrCreateEpoch = Effect.fn("StationEpoch.loadOrCreate")(function* () {
  const sql = yield* Sql
  const clock = yield* StationClock
  return yield* sql.transaction(
    Effect.gen(function* () {
      const rows = yield* sql.query<{ value: string }>("SELECT value FROM station_meta WHERE key = 'epoch'")
      const existing = rows[0]?.value
      if (existing !== undefined) return existing
      const epoch = yield* uuid7((yield* clock.now).wallMs)
      yield* sql.execute("INSERT INTO station_meta (key, value) VALUES ('epoch', ?)", [epoch])
      return epoch
    })
  )
})
