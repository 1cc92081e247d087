/** `packbench events tail`: the station's events as JSON lines, optionally followed. */
import { existsSync } from "node:fs"
import { setTimeout as sleep } from "node:timers/promises"
import type { EventRow } from "../../../core/events/EventLog.ts"
import { openSqlite } from "../../sqlite/SqliteSql.ts"
import { type Command, writeLine } from "../Command.ts"
import { stationDatabasePath } from "./outbox.ts"

const BATCH = 500

export const eventsCommand: Command = {
  name: "events",
  usage: "events tail [--from SEQ] [--follow] [--data-dir DIR]",
  summary: "print station events as JSON lines, from a sequence number, optionally following new ones",
  run: async (argv, io) => {
    const parsed = stationDatabasePath(argv, io)
    const usage = async (problem: string) => {
      await writeLine(io.stderr, `packbench events: ${problem}\nusage: packbench ${eventsCommand.usage}`)
      return 2
    }
    if ("error" in parsed) return usage(parsed.error)
    const [sub, ...options] = parsed.rest
    if (sub !== "tail") return usage(sub === undefined ? "missing sub-command" : `unknown sub-command "${sub}"`)
    let from = 1
    let follow = false
    for (let index = 0; index < options.length; index++) {
      const option = options[index]
      if (option === "--follow") follow = true
      else if (option === "--from") {
        const value = Number(options[++index])
        if (!Number.isInteger(value) || value < 1) return usage("--from needs a sequence number >= 1")
        from = value
      } else return usage(`unexpected ${option}`)
    }
    if (!existsSync(parsed.path)) {
      await writeLine(io.stderr, `packbench events: no station database at ${parsed.path} (set --data-dir)`)
      return 1
    }
    let db: ReturnType<typeof openSqlite>
    try {
      db = openSqlite({ filename: parsed.path, readonly: true })
    } catch (error) {
      await writeLine(io.stderr, `packbench events: cannot open ${parsed.path}: ${String(error)}`)
      return 1
    }
    // `events tail | head` closes our stdout: that is the reader being done, not a failure (EPIPE).
    let readerGone = false
    const onStdoutError = () => {
      readerGone = true
    }
    io.stdout.on("error", onStdoutError)
    try {
      const statement = db.prepare<[number, number], EventRow>(
        "SELECT * FROM events WHERE seq >= ? ORDER BY seq LIMIT ?"
      )
      let next = from
      while (true) {
        const rows = statement.all(next, BATCH)
        for (const row of rows) {
          await writeLine(
            io.stdout,
            JSON.stringify({
              seq: row.seq,
              id: row.id,
              type: row.type,
              version: row.version,
              epoch: row.epoch,
              eventTime: { wallMs: row.event_wall_ms, monoNs: row.event_mono_ns },
              recordTimeMs: row.record_time_ms,
              actor: JSON.parse(row.actor),
              payload: JSON.parse(row.payload),
              ...(row.epcis === null ? {} : { epcis: JSON.parse(row.epcis) })
            })
          )
          next = row.seq + 1
        }
        if (rows.length === BATCH) continue
        if (!follow) return 0
        await sleep(500)
      }
    } catch (error) {
      if (readerGone) return 0
      await writeLine(io.stderr, `packbench events: reading ${parsed.path} failed: ${String(error)}`)
      return 1
    } finally {
      io.stdout.off("error", onStdoutError)
      db.close()
    }
  }
}
