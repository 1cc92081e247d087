/** Writes a station's events as one streamed EPCIS 2.0 document: the one implementation behind `epcis export` and `events export --epcis`. */
import { existsSync } from "node:fs"
import { join, resolve } from "node:path"
import type { Writable } from "node:stream"
import {
  type EpcisEventDocument,
  type EpcisPlaces,
  epcisDocumentHead,
  epcisEventOf
} from "../../../core/events/Epcis.ts"
import { type EventRow, eventEnvelopeOf } from "../../../core/events/EventLog.ts"
import { withExportedView } from "../../../core/orders/OrderEvents.ts"
import { openAtomicFile } from "../../fs/writeFileAtomic.ts"
import { openSqlite } from "../../sqlite/SqliteSql.ts"
import { ConfigError, loadConfig } from "../../station/loadConfig.ts"
import { loadOrCreateIdentity } from "../../station/StationIdentityFile.ts"
import { type CommandIo, writeLine } from "../Command.ts"
import {
  type EventRowFilter,
  type EventTimeFilter,
  eventRowReader,
  eventTimeReader,
  hasEventTimeIndex
} from "./eventRows.ts"

/** Which events: a range of sequence numbers (in sequence order) or a device-time window (in event-time order). */
export type EpcisSelection =
  | { readonly by: "seq"; readonly filter: EventRowFilter }
  | { readonly by: "time"; readonly filter: EventTimeFilter }

export interface EpcisExportRequest {
  /** The command's name in messages: `epcis` or `events`. */
  readonly command: string
  readonly selection: EpcisSelection
  readonly config: string | undefined
  readonly dataDir: string | undefined
  /** Where the document goes; none: stdout. */
  readonly out: string | undefined
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
 * Whether an event is a repeated cancellation (station migration 0111), or undefined for a database from before it,
 * which knows none: exported as recorded, its voids would repeat.
 */
const repeatedCancellations = (db: ReturnType<typeof openSqlite>): ((eventId: string) => boolean) | undefined => {
  const table = db
    .prepare<[], { name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'repeated_cancellations'"
    )
    .get()
  if (table === undefined) return undefined
  const byId = db.prepare<[string], { found: number }>(
    "SELECT 1 AS found FROM repeated_cancellations WHERE event_id = ?"
  )
  return (eventId) => byId.get(eventId) !== undefined
}

/**
 * Streams an EPCISDocument (EPCIS 2.0 §9) of the selected events of the station's database: events without EPCIS
 * meaning (sign-ins, sync bookkeeping) are left out, a correction that names the event it corrects becomes that
 * event's error declaration. The document is written batch by batch, so a year of events needs no more memory than
 * one batch. Returns the exit code: 0 written, 1 no database, bad configuration or a failed write (with a message).
 */
export const exportEpcis = async (io: CommandIo, request: EpcisExportRequest): Promise<number> => {
  const fail = async (message: string) => {
    await writeLine(io.stderr, `packbench ${request.command}: ${message}`)
    return 1
  }
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig({ cwd: io.cwd, env: io.env, configFile: request.config })
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    return fail(error.message)
  }
  const dataDir = request.dataDir === undefined ? config.dataDir : resolve(io.cwd, request.dataDir)
  const path = join(dataDir, "station.db")
  if (!existsSync(path)) return fail(`no station database at ${path} (set --data-dir or --config)`)
  const identity = loadOrCreateIdentity(dataDir, config.station)
  const places: EpcisPlaces = {
    timeZone: config.station.timeZone,
    siteLocation: config.epcis.siteLocation,
    readPoint: config.epcis.readPoint
  }
  let db: ReturnType<typeof openSqlite>
  try {
    db = openSqlite({ filename: path, readonly: true })
  } catch (error) {
    return fail(`cannot open ${path}: ${String(error)}`)
  }
  const out = request.out === undefined ? undefined : resolve(io.cwd, request.out)
  let sink: ReturnType<typeof documentSink> | undefined
  try {
    if (request.selection.by === "time" && !hasEventTimeIndex(db)) {
      return fail(
        `${path} predates the index on event time (migration 93): start the station once to upgrade it, then export`
      )
    }
    const next =
      request.selection.by === "time"
        ? eventTimeReader(db, request.selection.filter)
        : eventRowReader(db, request.selection.filter)
    const byId = db.prepare<[string], EventRow>("SELECT * FROM events WHERE id = ?")
    // A cancellation recorded while the order's was in force repeats its void: left out, as the hub's export does.
    const repeated = repeatedCancellations(db)
    if (repeated === undefined) {
      return fail(
        `${path} predates the record of repeated cancellations (migration 111): start the station once to upgrade it, then export`
      )
    }
    // A corrected event is looked up once, as exported (with the same places), wherever it lies in the log.
    const original = (eventId: string): EpcisEventDocument | undefined => {
      const row = byId.get(eventId)
      return row === undefined
        ? undefined
        : epcisEventOf(withExportedView(eventEnvelopeOf(row, identity)), places, () => undefined)
    }
    sink = documentSink(io, out)
    const head = JSON.stringify(epcisDocumentHead(Date.now()))
    await sink.write(`${head.slice(0, -1)},"epcisBody":{"eventList":[`)
    let written = 0
    let rows = next()
    while (rows.length > 0) {
      let chunk = ""
      for (const row of rows) {
        const event = epcisEventOf(withExportedView(eventEnvelopeOf(row, identity), repeated), places, original)
        if (event === undefined) continue
        chunk += `${written === 0 ? "\n" : ",\n"}${JSON.stringify(event)}`
        written++
      }
      if (chunk.length > 0) await sink.write(chunk)
      rows = next()
    }
    await sink.write("\n]}}\n")
    sink.commit()
    await writeLine(
      io.stderr,
      `packbench ${request.command}: ${written} EPCIS events${out === undefined ? "" : ` written to ${out}`}`
    )
    return 0
  } catch (error) {
    sink?.abandon()
    return fail(`export from ${path} failed: ${String(error)}`)
  } finally {
    db.close()
  }
}
