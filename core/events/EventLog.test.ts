import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { layerSqlite } from "../../drivers/sqlite/SqliteSql.ts"
import { stationMigrations } from "../station/migrations/index.ts"
import { loadOrCreateEpoch } from "../station/StationEpoch.ts"
import { StationIdentity } from "../station/StationIdentity.ts"
import { migrate } from "../store/Migrations.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { defineEvent } from "./EventDefinition.ts"
import { EventLog, envelopeJsonOf } from "./EventLog.ts"
import { UUID_PATTERN } from "./Uuid7.ts"

const Noted = defineEvent({
  type: "test.noted",
  version: 1,
  payload: Schema.Struct({ note: Schema.String }),
  epcis: () => ({ eventType: "ObjectEvent", action: "OBSERVE", bizStep: "inspecting" })
})

const stationLayer = (filename: string, clock = StationClock.manual(1_767_225_600_000)) => {
  const base = Layer.merge(layerSqlite({ filename }), clock.layer)
  const identity = Layer.effect(
    StationIdentity,
    Effect.gen(function* () {
      yield* migrate(stationMigrations)
      const epoch = yield* loadOrCreateEpoch()
      return StationIdentity.of({ siteId: "HAM1", stationId: "PACK-01", epoch })
    })
  )
  return EventLog.layer.pipe(Layer.provideMerge(identity), Layer.provideMerge(base))
}

const tempDb = () => join(mkdtempSync(join(tmpdir(), "pb-events-")), "station.db")

describe("EventLog", () => {
  it("numbers events gap-free and stamps them with station, epoch, device time and record time", async () => {
    const clock = StationClock.manual(1_767_225_600_000)
    const events = await Effect.runPromise(
      Effect.gen(function* () {
        const log = yield* EventLog
        const first = yield* log.append(Noted, { note: "a" })
        clock.advance(1500)
        const scanTime = { wallMs: 1_767_225_601_000, monoNs: "42" }
        const second = yield* log.append(
          Noted,
          { note: "b" },
          { eventTime: scanTime, actor: { role: "packer", badgeId: "B1" } }
        )
        return [first, second, yield* log.read(0, 10)] as const
      }).pipe(Effect.provide(stationLayer(tempDb(), clock)))
    )
    const [first, second, stored] = events
    expect([first.seq, second.seq]).toEqual([1, 2])
    expect(first.id).toMatch(UUID_PATTERN)
    expect(second.eventTime).toEqual({ wallMs: 1_767_225_601_000, monoNs: "42" })
    expect(second.recordTimeMs).toBe(1_767_225_601_500)
    expect(second.actor).toEqual({ role: "packer", badgeId: "B1" })
    expect(first.epcis?.bizStep).toBe("inspecting")
    expect(stored).toEqual([first, second])
    expect(first.epoch).toBe(second.epoch)
  })

  it("loses no sequence number to a rolled-back transaction", async () => {
    const seqs = await Effect.runPromise(
      Effect.gen(function* () {
        const log = yield* EventLog
        const sql = yield* Sql
        yield* log.append(Noted, { note: "kept" })
        yield* Effect.exit(
          sql.transaction(Effect.andThen(log.append(Noted, { note: "rolled back" }), Effect.fail("abort")))
        )
        yield* log.append(Noted, { note: "after" })
        return (yield* log.read(0, 10)).map((event) => [event.seq, (event.payload as { note: string }).note])
      }).pipe(Effect.provide(stationLayer(tempDb())))
    )
    expect(seqs).toEqual([
      [1, "kept"],
      [2, "after"]
    ])
  })

  it("appends many events in one transaction with the numbers, stamps and rows one append at a time would give", async () => {
    const clock = StationClock.manual(1_767_225_600_000)
    const [one, many, stored, afterRollback] = await Effect.runPromise(
      Effect.gen(function* () {
        const log = yield* EventLog
        const sql = yield* Sql
        const one = yield* log.append(Noted, { note: "first" })
        const many = yield* log.appendAll(
          Noted,
          Array.from({ length: 1_203 }, (_, index) => ({ note: `n${index}` })),
          { actor: { role: "packer", badgeId: "B1" } }
        )
        const stored = yield* log.read(0, 2_000)
        // All or none: a batch in a transaction that rolls back leaves no event and no number behind.
        yield* Effect.exit(
          sql.transaction(Effect.andThen(log.appendAll(Noted, [{ note: "x" }, { note: "y" }]), Effect.fail("abort")))
        )
        const next = yield* log.appendAll(Noted, [{ note: "after" }])
        return [one, many, stored, next] as const
      }).pipe(Effect.provide(stationLayer(tempDb(), clock)))
    )
    expect(many.map((event) => event.seq)).toEqual(Array.from({ length: 1_203 }, (_, index) => index + 2))
    expect(new Set(many.map((event) => event.id)).size).toBe(1_203)
    for (const event of many) expect(event.id).toMatch(UUID_PATTERN)
    expect(many[0]!.epoch).toBe(one.epoch)
    expect(many[1_202]!.payload).toEqual({ note: "n1202" })
    expect(many[0]!.epcis?.bizStep).toBe("inspecting")
    expect(many[0]!.actor).toEqual({ role: "packer", badgeId: "B1" })
    // What appendAll answers is what the log reads back.
    expect(stored).toEqual([one, ...many])
    expect(afterRollback.map((event) => [event.seq, event.payload])).toEqual([[1_205, { note: "after" }]])
  })

  it("gives the outbox each stored row as the same JSON text as the envelope it reads, with the seq it is sent under", async () => {
    const Odd = defineEvent({
      type: "test.odd",
      version: 3,
      payload: Schema.Struct({ note: Schema.String, n: Schema.Number, nested: Schema.Struct({ "2": Schema.String }) })
    })
    const { rows, envelopes } = await Effect.runPromise(
      Effect.gen(function* () {
        const log = yield* EventLog
        yield* log.append(Noted, { note: "plain" })
        yield* log.append(
          Noted,
          { note: 'quotes " and \\ and \u2028, Grüße 😀' },
          { actor: { role: "packer", badgeId: "B7" } }
        )
        yield* log.append(
          Odd,
          { note: "", n: -0.5e-7, nested: { "2": "x" } },
          { eventTime: { wallMs: 1_767_225_601_000, monoNs: "9007199254740993", ntpOffsetMs: -12.5 } }
        )
        return { rows: yield* log.readRows(0, 10), envelopes: yield* log.read(0, 10) }
      }).pipe(Effect.provide(stationLayer(tempDb())))
    )
    expect(rows).toHaveLength(3)
    rows.forEach((row, index) => {
      const envelope = envelopes[index]!
      const text = envelopeJsonOf(row, { siteId: "HAM1", stationId: "PACK-01" }, envelope.seq + 40)
      expect(text).toBe(JSON.stringify({ ...envelope, seq: envelope.seq + 40 }))
    })
  })

  it("keeps the epoch of a database and gives a new database a new one", async () => {
    const file = tempDb()
    const epochOf = (filename: string) =>
      Effect.runPromise(
        Effect.map(StationIdentity, (identity) => identity.epoch).pipe(Effect.provide(stationLayer(filename)))
      )
    const first = await epochOf(file)
    expect(await epochOf(file)).toBe(first)
    expect(await epochOf(tempDb())).not.toBe(first)
  })
})
