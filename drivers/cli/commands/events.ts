/** `packbench events tail|export`: the station's events as JSON lines (optionally one order's story, followed) or as an EPCIS 2.0 document. */
import { existsSync } from "node:fs"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { openSqlite } from "../../sqlite/SqliteSql.ts"
import { type Command, type CommandIo, writeLine } from "../Command.ts"
import { parseFlags } from "../parseFlags.ts"
import { exportEpcis } from "./epcisExport.ts"
import { eventRowReader } from "./eventRows.ts"
import { stationDataDir } from "./outbox.ts"

const USAGE = [
  "events tail [--from SEQ] [--order ORDER_ID] [--follow] [--data-dir DIR]",
  "events export --epcis [--from SEQ] [--to SEQ] [--order ORDER_ID] [--out FILE] [--config FILE] [--data-dir DIR]"
]

const positiveInteger = (text: string | undefined): number | undefined => {
  if (text === undefined || !/^\d{1,15}$/.test(text)) return undefined
  const value = Number(text)
  return value >= 1 ? value : undefined
}

/** An order id as the station stores it: printable, no spaces, bounded (it goes into a query parameter only). */
const orderIdOf = (text: string | undefined): string | undefined =>
  text !== undefined && /^[\x21-\x7e]{1,64}$/.test(text) ? text : undefined

export const eventsCommand: Command = {
  name: "events",
  usage: USAGE.join("\n       packbench "),
  summary: "print station events as JSON lines (one order's story, optionally following) or export them as EPCIS 2.0",
  run: async (argv, io) => {
    const usage = async (problem: string) => {
      await writeLine(io.stderr, `packbench events: ${problem}\nusage: packbench ${eventsCommand.usage}`)
      return 2
    }
    const [sub, ...rest] = argv
    if (sub === "--help" || sub === "-h") {
      await writeLine(io.stdout, `usage: packbench ${eventsCommand.usage}`)
      return 0
    }
    if (sub !== "tail" && sub !== "export") {
      return usage(sub === undefined ? "missing sub-command" : `unknown sub-command "${sub}"`)
    }
    const flags = parseFlags(rest, {
      from: "string",
      to: "string",
      order: "string",
      follow: "boolean",
      epcis: "boolean",
      out: "string",
      config: "string",
      "data-dir": "string"
    })
    if (!flags.ok) return usage(flags.message)
    if (flags.positional.length > 0) return usage(`unexpected ${flags.positional.join(" ")}`)
    const { values } = flags
    const from = values.from === undefined ? 1 : positiveInteger(values.from)
    if (from === undefined) return usage("--from needs a sequence number >= 1")
    const to = values.to === undefined ? undefined : positiveInteger(values.to)
    if (values.to !== undefined && (to === undefined || to < from))
      return usage("--to needs a sequence number >= --from")
    const orderId = values.order === undefined ? undefined : orderIdOf(values.order)
    if (values.order !== undefined && orderId === undefined) return usage("--order needs an order id (no spaces)")
    const filter = { from, ...(to === undefined ? {} : { to }), ...(orderId === undefined ? {} : { orderId }) }

    if (sub === "tail") {
      for (const name of ["to", "epcis", "out", "config"] as const) {
        if (values[name] !== undefined) return usage(`--${name} belongs to events export`)
      }
      return tail(io, join(stationDataDir(io, values["data-dir"]), "station.db"), filter, values.follow === true)
    }
    if (values.follow !== undefined) return usage("--follow belongs to events tail")
    if (values.epcis !== true) return usage("say the format: --epcis (EPCIS 2.0 JSON-LD)")
    return exportEpcis(io, {
      command: "events",
      selection: { by: "seq", filter },
      config: values.config,
      dataDir: values["data-dir"],
      out: values.out
    })
  }
}

const openReadonly = async (io: CommandIo, path: string) => {
  if (!existsSync(path)) {
    await writeLine(io.stderr, `packbench events: no station database at ${path} (set --data-dir)`)
    return undefined
  }
  try {
    return openSqlite({ filename: path, readonly: true })
  } catch (error) {
    await writeLine(io.stderr, `packbench events: cannot open ${path}: ${String(error)}`)
    return undefined
  }
}

const tail = async (
  io: CommandIo,
  path: string,
  filter: Parameters<typeof eventRowReader>[1],
  follow: boolean
): Promise<number> => {
  const db = await openReadonly(io, path)
  if (db === undefined) return 1
  // `events tail | head` closes our stdout: that is the reader being done, not a failure (EPIPE).
  let readerGone = false
  const onStdoutError = () => {
    readerGone = true
  }
  io.stdout.on("error", onStdoutError)
  try {
    const next = eventRowReader(db, filter)
    while (true) {
      const rows = next()
      for (const row of rows) {
        await writeLine(
          io.stdout,
          JSON.stringify({
            seq: row.seq,
            id: row.id,
            type: row.type,
            version: row.version,
            epoch: row.epoch,
            eventTime: {
              wallMs: row.event_wall_ms,
              monoNs: row.event_mono_ns,
              ...(row.ntp_offset_ms === null ? {} : { ntpOffsetMs: row.ntp_offset_ms })
            },
            recordTimeMs: row.record_time_ms,
            actor: JSON.parse(row.actor),
            payload: JSON.parse(row.payload),
            ...(row.epcis === null ? {} : { epcis: JSON.parse(row.epcis) })
          })
        )
      }
      if (rows.length > 0) continue
      if (!follow) return 0
      await sleep(500)
    }
  } catch (error) {
    if (readerGone) return 0
    await writeLine(io.stderr, `packbench events: reading ${path} failed: ${String(error)}`)
    return 1
  } finally {
    io.stdout.off("error", onStdoutError)
    db.close()
  }
}
