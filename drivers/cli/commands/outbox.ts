/** The `packbench outbox` command: reports the station's event delivery from its database. */
import { existsSync } from "node:fs"
import { join, resolve } from "node:path"
import { Effect, Layer } from "effect"
import { readOutboxReport } from "../../../core/sync/OutboxReport.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { layerSqlite } from "../../sqlite/SqliteSql.ts"
import { type Command, type CommandIo, writeLine } from "../Command.ts"

/** The station's data directory: `--data-dir DIR`, else `PACKBENCH_DATA_DIR`, else `./.packbench`. */
export const stationDataDir = (io: CommandIo, flag: string | undefined): string =>
  resolve(io.cwd, flag ?? io.env.PACKBENCH_DATA_DIR ?? "./.packbench")

/** The station database, `station.db` in the data directory (see stationDataDir), and the arguments left over. */
export const stationDatabasePath = (
  argv: ReadonlyArray<string>,
  io: CommandIo
): { readonly path: string; readonly rest: ReadonlyArray<string> } | { readonly error: string } => {
  const rest: Array<string> = []
  let dataDir: string | undefined
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]
    if (arg === "--data-dir") {
      const value = argv[index + 1]
      if (value === undefined) return { error: "--data-dir needs a directory" }
      dataDir = value
      index++
    } else if (arg !== undefined) rest.push(arg)
  }
  return { path: join(stationDataDir(io, dataDir), "station.db"), rest }
}

const wallClock = StationClock.of({
  now: Effect.sync(() => ({ wallMs: Date.now(), monoNs: process.hrtime.bigint().toString() }))
})

export const outboxCommand: Command = {
  name: "outbox",
  usage: "outbox [--data-dir DIR]",
  summary: "print the sync outbox state (depth, ages, seqs, drain rate, broker) as JSON",
  run: async (argv, io) => {
    const parsed = stationDatabasePath(argv, io)
    if ("error" in parsed || parsed.rest.length > 0) {
      await writeLine(
        io.stderr,
        `packbench outbox: ${"error" in parsed ? parsed.error : `unexpected ${parsed.rest.join(" ")}`}`
      )
      await writeLine(io.stderr, `usage: packbench ${outboxCommand.usage}`)
      return 2
    }
    if (!existsSync(parsed.path)) {
      await writeLine(io.stderr, `packbench outbox: no station database at ${parsed.path} (set --data-dir)`)
      return 1
    }
    const exit = await Effect.runPromiseExit(
      readOutboxReport().pipe(
        Effect.provide(
          Layer.mergeAll(layerSqlite({ filename: parsed.path, readonly: true }), Layer.succeed(StationClock, wallClock))
        )
      )
    )
    if (exit._tag === "Failure") {
      await writeLine(io.stderr, `packbench outbox: cannot read ${parsed.path}: ${String(exit.cause)}`)
      return 1
    }
    await writeLine(io.stdout, JSON.stringify(exit.value, null, 2))
    return 0
  }
}
