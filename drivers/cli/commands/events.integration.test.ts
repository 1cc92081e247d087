import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { capturedIo } from "../../../fixtures/cli/capturedIo.ts"
import { epcisSchemaValidator } from "../../../fixtures/epcis/epcisSchema.ts"
import { openSqlite } from "../../sqlite/SqliteSql.ts"
import { runCommand } from "../main.ts"

const run = async (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const captured = capturedIo({ env })
  const code = await runCommand(argv, captured.io)
  return { code, ...captured.output() }
}

/** GS1's EPCIS 2.0 JSON Schema, which the steering repository keeps beside the project; this project commits no copy. */

interface Line {
  readonly seq: number
  readonly id: string
  readonly type: string
  readonly payload: Record<string, unknown>
}

describe("packbench events", () => {
  let dataDir: string
  let orders: ReadonlyArray<string>
  let parcelOf: ReadonlyMap<string, string>
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "pb-events-"))
    const simulated = await run(["simulate", "--orders", "2", "--no-render", "--data-dir", dataDir], {
      PACKBENCH_EMBEDDED_BROKER_PORT: "0"
    })
    expect(simulated.code, simulated.err).toBe(0)
    const db = openSqlite({ filename: join(dataDir, "station.db"), readonly: true })
    const parcels = db
      .prepare<[], { order_id: string; parcel_id: string }>("SELECT order_id, parcel_id FROM parcels ORDER BY rowid")
      .all()
    db.close()
    orders = parcels.map((parcel) => parcel.order_id)
    parcelOf = new Map(parcels.map((parcel) => [parcel.order_id, parcel.parcel_id]))
    expect(orders).toHaveLength(2)
  })
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it("tail --order prints one order's whole story in sequence, and nothing of the other order", async () => {
    const [first, second] = orders as [string, string]
    const all = await run(["events", "tail", "--data-dir", dataDir])
    expect(all.code, all.err).toBe(0)
    const everything = all.out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Line)
    const story = await run(["events", "tail", "--order", first, "--data-dir", dataDir])
    expect(story.code, story.err).toBe(0)
    const lines = story.out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Line)
    const mentions = (line: Line, orderId: string) =>
      line.payload.orderId === orderId ||
      (line.payload.order as { orderId?: string } | undefined)?.orderId === orderId ||
      line.payload.parcelId === parcelOf.get(orderId)
    // Exactly the events of the whole log that name the order or its parcel, in the log's order.
    expect(lines.map((line) => line.seq)).toEqual(
      everything.filter((line) => mentions(line, first)).map((line) => line.seq)
    )
    expect(lines.map((line) => line.type)).toEqual(
      expect.arrayContaining(["order.received", "parcel.packed", "parcel.handed-to-carrier"])
    )
    expect(lines.some((line) => mentions(line, second))).toBe(false)
    // The handover event names the parcel and the order: the story reaches the carrier cage.
    expect(lines.find((line) => line.type === "parcel.handed-to-carrier")?.payload.parcelId).toBe(parcelOf.get(first))
  })

  it("export --epcis writes an EPCIS 2.0 document of exactly the order's events with EPCIS meaning", async () => {
    const [first] = orders as [string]
    const out = join(dataDir, "export.jsonld")
    const exported = await run(["events", "export", "--epcis", "--order", first, "--out", out, "--data-dir", dataDir])
    expect(exported.code, exported.err).toBe(0)
    const document = JSON.parse(readFileSync(out, "utf8"))
    expect(document).toMatchObject({ type: "EPCISDocument", schemaVersion: "2.0" })
    const story = await run(["events", "tail", "--order", first, "--data-dir", dataDir])
    const withEpcis = story.out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Line & { epcis?: unknown })
      .filter((line) => line.epcis !== undefined)
    expect(withEpcis.length).toBeGreaterThan(0)
    expect(exported.err).toContain(`${withEpcis.length} EPCIS events written to ${out}`)
    const events = document.epcisBody.eventList as ReadonlyArray<Record<string, unknown>>
    expect(events.map((event) => event.eventID)).toEqual(withEpcis.map((line) => `urn:uuid:${line.id}`))
    const identity = JSON.parse(readFileSync(join(dataDir, "identity.json"), "utf8"))
    for (const event of events) {
      expect(event["packbench:station"]).toBe(identity.stationId)
      expect(event.readPoint).toEqual({ id: expect.stringContaining(`/station/${identity.stationId}`) })
      expect(Date.parse(event.eventTime as string)).toBeLessThanOrEqual(Date.parse(event.recordTime as string))
    }
  })

  // Skipped, and shown as skipped, only where the steering repository's shared/ is not beside the project.
  it("export --epcis passes GS1's EPCIS 2.0 JSON Schema", async () => {
    const out = join(dataDir, "schema-check.jsonld")
    const exported = await run(["events", "export", "--epcis", "--out", out, "--data-dir", dataDir])
    expect(exported.code, exported.err).toBe(0)
    const document = JSON.parse(readFileSync(out, "utf8"))
    const validate = epcisSchemaValidator()
    const valid = validate(document)
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([])
    expect(valid).toBe(true)
    // The schema catches a broken document: the same one with an event missing its eventTime fails.
    const broken = structuredClone(document)
    delete broken.epcisBody.eventList[0].eventTime
    expect(validate(broken)).toBe(false)
  })

  it("exports every event with EPCIS meaning to stdout, from a sequence range", async () => {
    const exported = await run(["events", "export", "--epcis", "--from", "2", "--to", "40", "--data-dir", dataDir])
    expect(exported.code, exported.err).toBe(0)
    const document = JSON.parse(exported.out)
    const seqs = (document.epcisBody.eventList as ReadonlyArray<{ "packbench:seq": number }>).map(
      (event) => event["packbench:seq"]
    )
    expect(seqs.length).toBeGreaterThan(0)
    expect(seqs.every((seq) => seq >= 2 && seq <= 40)).toBe(true)
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs)
  })

  it("refuses bad options with usage (exit 2) and a missing database with a message (exit 1)", async () => {
    const cases: ReadonlyArray<ReadonlyArray<string>> = [
      ["events", "export", "--data-dir", dataDir],
      ["events", "tail", "--order", "SO 1", "--data-dir", dataDir],
      ["events", "tail", "--from", "0", "--data-dir", dataDir],
      ["events", "export", "--epcis", "--from", "5", "--to", "4", "--data-dir", dataDir],
      ["events", "tail", "--out", "x.json", "--data-dir", dataDir],
      ["events", "tail", "--from", "1e400", "--data-dir", dataDir],
      ["events", "replay"]
    ]
    for (const argv of cases) {
      const result = await run(argv)
      expect(result.code, argv.join(" ")).toBe(2)
      expect(result.err).toContain("usage: packbench events")
    }
    const missing = await run(["events", "export", "--epcis", "--data-dir", join(dataDir, "nowhere")])
    expect(missing.code).toBe(1)
    expect(missing.err).toContain("no station database")
  })

  it("epcis export --from/--to selects by device time, half-open, in event-time order", async () => {
    const all = await run(["events", "tail", "--data-dir", dataDir])
    const lines = all.out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Line & { eventTime: { wallMs: number }; epcis?: unknown })
      .filter((line) => line.epcis !== undefined)
    const times = [...new Set(lines.map((line) => line.eventTime.wallMs))].sort((a, b) => a - b)
    expect(times.length).toBeGreaterThan(3)
    const fromMs = times[1]!
    const toMs = times[times.length - 2]!
    // The window's ends written with an offset (+01:00) the way a person in Hamburg would.
    const iso = (ms: number) => `${new Date(ms + 3_600_000).toISOString().slice(0, -1)}+01:00`
    const exported = await run(["epcis", "export", "--from", iso(fromMs), "--to", iso(toMs), "--data-dir", dataDir])
    expect(exported.code, exported.err).toBe(0)
    const document = JSON.parse(exported.out)
    const expected = lines
      .filter((line) => line.eventTime.wallMs >= fromMs && line.eventTime.wallMs < toMs)
      .sort((a, b) => a.eventTime.wallMs - b.eventTime.wallMs || a.seq - b.seq)
      .map((line) => `urn:uuid:${line.id}`)
    expect(expected.length).toBeGreaterThan(0)
    expect(expected.length).toBeLessThan(lines.length)
    const events = document.epcisBody.eventList as ReadonlyArray<Record<string, unknown>>
    expect(events.map((event) => event.eventID)).toEqual(expected)
    expect(exported.err).toContain(`packbench epcis: ${expected.length} EPCIS events`)
    // The station's time zone (Europe/Berlin by default) gives each event its offset at that instant.
    for (const event of events) expect(event.eventTimeZoneOffset).toMatch(/^\+0[12]:00$/)
    expect(epcisSchemaValidator()(document)).toBe(true)
  })

  it("epcis export writes a cancelled return as its return's error declaration, an order's reinstatement, configured locations, schema-valid", async () => {
    const copy = mkdtempSync(join(tmpdir(), "pb-epcis-"))
    try {
      cpSync(dataDir, copy, { recursive: true })
      const db = openSqlite({ filename: join(copy, "station.db") })
      const last = db
        .prepare<[], { seq: number; wall: number }>("SELECT MAX(seq) AS seq, MAX(event_wall_ms) AS wall FROM events")
        .get()!
      const receivedId = "01a2080c-b7f9-7d79-9a73-6013c1fe0001"
      const cancelledId = "01a2080c-b7f9-7d79-9a73-6013c1fe0002"
      const insert = db.prepare(
        `INSERT INTO events (seq, id, type, version, epoch, event_wall_ms, event_mono_ns, ntp_offset_ms,
             record_time_ms, actor, payload, epcis) VALUES (?, ?, ?, 1, 'e', ?, '0', NULL, ?, '{"role":"returns-clerk"}', ?, ?)`
      )
      // The shop took SO-X's cancellation back: recorded, as every order.reinstated is, with no view of its own.
      const reinstatedId = "01a2080c-b7f9-7d79-9a73-6013c1fe0003"
      insert.run(
        last.seq + 1,
        reinstatedId,
        "order.reinstated",
        last.wall + 500,
        last.wall + 600,
        JSON.stringify({ orderId: "SO-X", orderVersion: 3, status: "open" }),
        null
      )
      insert.run(
        last.seq + 2,
        receivedId,
        "return.received",
        last.wall + 1_000,
        last.wall + 1_100,
        JSON.stringify({
          returnId: "R-1",
          known: false,
          orderId: null,
          parcelId: null,
          rmaId: null,
          ssccUrn: "urn:epc:id:sscc:4260123.0000000017",
          scanned: "x",
          notes: ""
        }),
        JSON.stringify({
          eventType: "ObjectEvent",
          action: "OBSERVE",
          bizStep: "receiving",
          disposition: "returned",
          epcList: ["urn:epc:id:sscc:4260123.0000000017"]
        })
      )
      insert.run(
        last.seq + 3,
        cancelledId,
        "return.cancelled",
        last.wall + 60_000,
        last.wall + 60_100,
        JSON.stringify({
          returnId: "R-1",
          corrects: receivedId,
          orderId: null,
          scanned: "x",
          itemCount: 0,
          reason: "wrong code"
        }),
        null
      )
      db.close()
      const config = join(copy, "packbench.config.json")

      writeFileSync(
        config,
        JSON.stringify({
          dataDir: copy,
          epcis: { siteLocation: "urn:epc:id:sgln:4012345.00001.0", readPoint: "urn:epc:id:sgln:4012345.00001.7" }
        })
      )
      const out = join(copy, "with-correction.jsonld")
      const exported = await run(["epcis", "export", "--config", config, "--out", out])
      expect(exported.code, exported.err).toBe(0)
      const document = JSON.parse(readFileSync(out, "utf8"))
      const events = document.epcisBody.eventList as ReadonlyArray<Record<string, unknown>>
      const declaration = events.at(-1)!
      expect(declaration).toMatchObject({
        eventID: `urn:uuid:${receivedId}`,
        bizStep: "receiving",
        epcList: ["urn:epc:id:sscc:4260123.0000000017"],
        errorDeclaration: { reason: "incorrect_data", "packbench:correctedBy": `urn:uuid:${cancelledId}` },
        "packbench:eventType": "return.cancelled"
      })
      expect(events.at(-2)).toMatchObject({
        eventID: `urn:uuid:${receivedId}`,
        "packbench:eventType": "return.received"
      })
      expect(events.at(-2)).not.toHaveProperty("errorDeclaration")
      expect(events.at(-3)).toMatchObject({
        type: "TransactionEvent",
        eventID: `urn:uuid:${reinstatedId}`,
        action: "ADD",
        bizStep: "other",
        epcList: [],
        bizTransactionList: [{ type: "po", bizTransaction: "urn:packbench:order:SO-X" }],
        "packbench:eventType": "order.reinstated"
      })
      for (const event of events) {
        expect(event.bizLocation).toEqual({ id: "urn:epc:id:sgln:4012345.00001.0" })
        expect(event.readPoint).toEqual({ id: "urn:epc:id:sgln:4012345.00001.7" })
      }
      const validate = epcisSchemaValidator()
      expect(validate(document), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true)
    } finally {
      rmSync(copy, { recursive: true, force: true })
    }
  })

  it("epcis export answers --help, refuses a time without an offset (exit 2) and an unupgraded database (exit 1)", async () => {
    for (const help of [
      ["epcis", "--help"],
      ["epcis", "export", "-h"]
    ]) {
      const result = await run(help)
      expect(result.code).toBe(0)
      expect(result.out).toContain("usage: packbench epcis export")
    }
    const cases: ReadonlyArray<ReadonlyArray<string>> = [
      ["epcis", "export", "--from", "2026-12-04T00:00:00", "--data-dir", dataDir],
      ["epcis", "export", "--to", "2026-12-04", "--data-dir", dataDir],
      ["epcis", "export", "--from", "2026-02-30T00:00:00Z", "--data-dir", dataDir],
      ["epcis", "export", "--from", "2026-12-04T00:00:00Z", "--to", "2026-12-04T01:00:00+01:00", "--data-dir", dataDir],
      ["epcis", "export", "--epcis", "--data-dir", dataDir],
      ["epcis", "import"],
      ["epcis"]
    ]
    for (const argv of cases) {
      const result = await run(argv)
      expect(result.code, argv.join(" ")).toBe(2)
      expect(result.err).toContain("usage: packbench epcis export")
    }
    const noOffset = await run(["epcis", "export", "--from", "2026-12-04T00:00:00", "--data-dir", dataDir])
    expect(noOffset.err).toContain("--from needs an ISO 8601 instant with its offset")
    const copy = mkdtempSync(join(tmpdir(), "pb-epcis-"))
    try {
      cpSync(dataDir, copy, { recursive: true })
      const db = openSqlite({ filename: join(copy, "station.db") })
      db.exec("DROP INDEX events_by_event_time")
      db.close()
      const old = await run(["epcis", "export", "--data-dir", copy])
      expect(old.code).toBe(1)
      expect(old.err).toContain("predates the index on event time")
      // Nor does it export the voids of a database that has not found its repeated cancellations (migration 111).
      const unfound = openSqlite({ filename: join(copy, "station.db") })
      unfound.exec("DROP TABLE repeated_cancellations")
      unfound.close()
      const repeats = await run(["events", "export", "--epcis", "--data-dir", copy])
      expect(repeats.code).toBe(1)
      expect(repeats.err).toContain("predates the record of repeated cancellations (migration 111)")
    } finally {
      rmSync(copy, { recursive: true, force: true })
    }
  })
})
