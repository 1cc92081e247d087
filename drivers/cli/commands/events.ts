/** `packbench events tail|export`: the station's events as JSON lines (optionally one order's story, followed) or as an EPCIS 2.0 document. */
import { existsSync } from "node:fs"
import { join, resolve } from "node:path"
import type { Writable } from "node:stream"
import { setTimeout as sleep } from "node:timers/promises"
import { epcisDocumentHead, toEpcisEvent } from "../../../core/events/Epcis.ts"
import { eventEnvelopeOf } from "../../../core/events/EventLog.ts"
import { openAtomicFile } from "../../fs/writeFileAtomic.ts"
import { openSqlite } from "../../sqlite/SqliteSql.ts"
import { ConfigError, loadConfig } from "../../station/loadConfig.ts"
import { loadOrCreateIdentity } from "../../station/StationIdentityFile.ts"
import { type Command, type CommandIo, writeLine } from "../Command.ts"
import { parseFlags } from "../parseFlags.ts"
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
    let config: ReturnType<typeof loadConfig>
    try {
      config = loadConfig({ cwd: io.cwd, env: io.env, configFile: values.config })
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      await writeLine(io.stderr, `packbench events: ${error.message}`)
      return 1
    }
    const dataDir = values["data-dir"] === undefined ? config.dataDir : resolve(io.cwd, values["data-dir"])
    const path = join(dataDir, "station.db")
    if (!existsSync(path)) {
      await writeLine(io.stderr, `packbench events: no station database at ${path} (set --data-dir or --config)`)
      return 1
    }
    const identity = loadOrCreateIdentity(dataDir, config.station)
    return exportEpcis(io, path, filter, identity, values.out === undefined ? undefined : resolve(io.cwd, values.out))
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

/** Where the document goes: a file written whole and renamed into place (never half a document), or stdout. */
const documentSink = (io: CommandIo, out: string | undefined) => {
  if (out === undefined) {
    return {
      write: (text: string) =>
        new Promise<void>((done, fail) =>
          (io.stdout as Writable).write(text, (error) => (error ? fail(error) : done()))
        ),
      commit: () => undefined,
      abandon: () => undefined
    }
  }
  const file = openAtomicFile(out)
  return { write: async (text: string) => file.write(text), commit: file.commit, abandon: file.abandon }
}

/**
 * Streams an EPCISDocument (EPCIS 2.0 §9) of the selected events: events without EPCIS meaning (sign-ins, sync
 * bookkeeping) are left out; the document is written event by event, so a year of events needs no more memory than
 * one batch.
 */
const exportEpcis = async (
  io: CommandIo,
  path: string,
  filter: Parameters<typeof eventRowReader>[1],
  identity: { readonly siteId: string; readonly stationId: string },
  out: string | undefined
): Promise<number> => {
  const db = await openReadonly(io, path)
  if (db === undefined) return 1
  let sink: ReturnType<typeof documentSink> | undefined
  try {
    sink = documentSink(io, out)
    const head = JSON.stringify(epcisDocumentHead(Date.now()))
    await sink.write(`${head.slice(0, -1)},"epcisBody":{"eventList":[`)
    const next = eventRowReader(db, filter)
    let written = 0
    let rows = next()
    while (rows.length > 0) {
      for (const row of rows) {
        const event = toEpcisEvent(eventEnvelopeOf(row, identity))
        if (event === undefined) continue
        await sink.write(`${written === 0 ? "\n" : ",\n"}${JSON.stringify(event)}`)
        written++
      }
      rows = next()
    }
    await sink.write("\n]}}\n")
    sink.commit()
    await writeLine(
      io.stderr,
      `packbench events: ${written} EPCIS events${out === undefined ? "" : ` written to ${out}`}`
    )
    return 0
  } catch (error) {
    sink?.abandon()
    await writeLine(io.stderr, `packbench events: export from ${path} failed: ${String(error)}`)
    return 1
  } finally {
    db.close()
  }
}
