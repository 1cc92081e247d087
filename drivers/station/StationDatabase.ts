/** Opens the station database, the clock and the marks kept beside it, loading sample data on first start. */
import { join } from "node:path"
import { Context, Effect, Layer } from "effect"
import type { ResolvedConfig } from "../../core/config/StationConfig.ts"
import { type NumberSlot, replanAll } from "../../core/numbering/NumberRanges.ts"
import { stationMigrations } from "../../core/station/migrations/index.ts"
import { StationIdentity } from "../../core/station/StationIdentity.ts"
import { migrate } from "../../core/store/Migrations.ts"
import { resolveStationEpoch } from "../../core/sync/EpochGuard.ts"
import { layerFileHighWaterMark } from "../mqtt/FileHighWaterMark.ts"
import { layerFileNumberReservations } from "../numbering/FileNumberReservations.ts"
import { layerSqlite } from "../sqlite/SqliteSql.ts"
import { SystemClockLayer } from "../time/SystemClock.ts"
import { loadOrCreateIdentity } from "./StationIdentityFile.ts"
import { seedSampleData } from "./StationSampleData.ts"

/** Whether this start loaded the sample orders into a fresh database, so they are announced once. */
export class SampleOrdersSeeded extends Context.Service<SampleOrdersSeeded, boolean>()(
  "packbench/drivers/station/SampleOrdersSeeded"
) {}

/**
 * The station database (SQLite in WAL), the wall clock, and the sync high-water mark and number reservations kept
 * beside the database.
 */
export const stationStorage = (dataDir: string) =>
  Layer.mergeAll(
    layerSqlite({ filename: join(dataDir, "station.db") }),
    SystemClockLayer,
    layerFileHighWaterMark(join(dataDir, "sync-highwater.json")),
    layerFileNumberReservations(join(dataDir, "number-reservations.json"))
  )

/**
 * The station's identity over a database made ready: migrated, its event epoch resolved (a restored database starts
 * a new one) and, on first start, the sample data loaded. Everything a fresh database needs happens here, before any
 * service (and the inbox above all) touches it.
 */
export const stationIdentity = (config: ResolvedConfig, log: (line: string) => void) =>
  Layer.effectContext(
    Effect.gen(function* () {
      const ids = yield* Effect.try({
        try: () => loadOrCreateIdentity(config.dataDir, config.station),
        catch: (error) => (error instanceof Error ? error : new Error(String(error)))
      })
      yield* migrate(stationMigrations)
      const { epoch, restarted } = yield* resolveStationEpoch()
      if (restarted !== undefined) log(`New event epoch ${epoch}: ${restarted.reason}`)
      const slot: NumberSlot = { index: config.numbering.stationIndex, of: config.numbering.stations }
      const seeded = config.fixtures.loadOnFirstStart ? yield* seedSampleData(log, slot) : false
      // Every start: the ranges follow the configured slot, and catch up with reservations a restored database
      // does not know of.
      for (const plan of yield* replanAll(slot)) {
        if (plan.skipped !== undefined) {
          log(
            `Numbers ${plan.name} ${plan.skipped.start}-${plan.skipped.end - 1} skipped: they were reserved before this database's state (restored from a backup?) and may have been issued`
          )
        }
      }
      return Context.make(StationIdentity, StationIdentity.of({ ...ids, epoch })).pipe(
        Context.add(SampleOrdersSeeded, seeded)
      )
    })
  )
