/** `packbench hub status`: every station's lag at the hub, read from the hub's database. */
import { resolve } from "node:path"
import { Effect } from "effect"
import { Sql } from "../../../core/store/Sql.ts"
import { type CommandIo, writeLine } from "../../../drivers/cli/Command.ts"
import { parseFlags } from "../../../drivers/cli/parseFlags.ts"
import { type StationLag, stationLags } from "../../core/fleet/StationLag.ts"
import { defaultHubDatabase, describeHubDatabase, layerHubDatabase, parseHubDatabase } from "./HubDatabase.ts"

export const hubStatusUsage = "hub status [--db postgres://…|FILE] [--data-dir DIR] [--json] [--quiet-after S]"

const age = (nowMs: number, atMs: number | undefined) => {
  if (atMs === undefined) return "—"
  const seconds = Math.max(0, Math.round((nowMs - atMs) / 1_000))
  if (seconds < 120) return `${seconds} s`
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`
  return `${Math.round(seconds / 3_600)} h`
}

/**
 * One line per station stream: the last applied sequence number and when, what the hub holds unapplied (behind a
 * gap, how many numbers are missing, since when: those events are unconfirmed at the station), the highest number
 * it has seen (the station's outbox position as far as the hub knows), and whether the station is heard from
 * ("active" within `--quiet-after` seconds, default 60; this command reads only the database, not the stations'
 * presence, which the running hub sends down in each site's fleet summary). Reads only: safe while the hubs run, on SQLite (WAL) and PostgreSQL alike.
 */
export const hubStatus = async (argv: ReadonlyArray<string>, io: CommandIo): Promise<number> => {
  const flags = parseFlags(argv, { db: "string", "data-dir": "string", json: "boolean", "quiet-after": "string" })
  const fail = async (message: string, code: number) => {
    await writeLine(io.stderr, `packbench hub status: ${message}`)
    if (code === 2) await writeLine(io.stderr, `usage: packbench ${hubStatusUsage}`)
    return code
  }
  if (!flags.ok) return fail(flags.message, 2)
  if (flags.positional.length > 0) return fail(`unexpected ${flags.positional.join(" ")}`, 2)
  const quietAfter = Number(flags.values["quiet-after"] ?? "60")
  if (!Number.isFinite(quietAfter) || quietAfter <= 0 || quietAfter > 86_400) {
    return fail("--quiet-after must be a number of seconds from 1 to 86400", 2)
  }
  const dataDir = resolve(io.cwd, flags.values["data-dir"] ?? io.env.PACKBENCH_HUB_DATA_DIR ?? "./.packbench-hub")
  const dbValue = flags.values.db ?? io.env.PACKBENCH_HUB_DATABASE_URL
  const parsed = dbValue === undefined ? undefined : parseHubDatabase(dbValue, io.cwd)
  if (parsed !== undefined && !parsed.ok) return fail(parsed.message, 2)
  const database = parsed?.database ?? defaultHubDatabase(dataDir)
  const exit = await Effect.runPromiseExit(
    Effect.flatMap(Sql, stationLags).pipe(Effect.provide(layerHubDatabase(database)))
  )
  if (exit._tag === "Failure") {
    const reason = String(exit.cause).split("\n")[0] ?? "unknown"
    return fail(`cannot read ${describeHubDatabase(database)}: ${reason}`, 1)
  }
  const lags = exit.value
  const nowMs = Date.now()
  if (flags.values.json === true) {
    await writeLine(io.stdout, JSON.stringify(lags))
    return 0
  }
  await writeLine(io.stdout, `${lags.length} station streams in ${describeHubDatabase(database)}`)
  const presence = (lag: StationLag) =>
    lag.superseded
      ? "old epoch"
      : lag.lastAppliedAtMs !== undefined && nowMs - lag.lastAppliedAtMs <= quietAfter * 1_000
        ? "active"
        : "quiet"
  const header = [
    "station",
    "epoch",
    "applied",
    "last applied",
    "seen up to",
    "held",
    "gap",
    "oldest unconfirmed",
    "presence"
  ]
  const rows = lags.map((lag) => [
    `${lag.siteId}/${lag.stationId}`,
    lag.epoch.slice(0, 8),
    String(lag.lastAppliedSeq),
    `${age(nowMs, lag.lastAppliedAtMs)} ago`,
    String(lag.highestSeenSeq),
    String(lag.held),
    String(lag.gap),
    lag.oldestUnconfirmedAtMs === undefined ? "none held" : `${age(nowMs, lag.oldestUnconfirmedAtMs)} old`,
    presence(lag)
  ])
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)))
  for (const row of [header, ...rows]) {
    await writeLine(
      io.stdout,
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join("  ")
        .trimEnd()
    )
  }
  return 0
}
