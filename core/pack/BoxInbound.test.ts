import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { inboxScenario, shopMessage } from "../../fixtures/InboxScenario.ts"
import { problemsOf } from "../../fixtures/problemsOf.ts"
import { fixture } from "../../fixtures/SeededStation.ts"
import { legacyStationRows } from "../../fixtures/sqlite/LegacyStationRows.ts"
import { Bounds } from "../bounds/Bounds.ts"
import { EventLog } from "../events/EventLog.ts"
import { Sql } from "../store/Sql.ts"
import { Inbox } from "../sync/Inbox.ts"
import { type Box, BoxListing } from "./Box.ts"
import { BoxUpdate, registerBoxInbound } from "./BoxInbound.ts"
import { listBoxes } from "./BoxStore.ts"

const boxes = fixture("boxes.json") as Array<Box>
const box = (id: string) => boxes.find((candidate) => candidate.boxId === id)!

const inbound = (version: number, payload: unknown) => shopMessage("box.upsert", payload, { version })

const scenario = <A>(body: Effect.Effect<A, unknown, Inbox | Sql | EventLog>) => inboxScenario(registerBoxInbound, body)

const boxUpdates = Effect.flatMap(Effect.service(EventLog), (log) => log.read(0, 100)).pipe(
  Effect.map((events) => events.filter((event) => event.type === "box.catalog-updated").map((event) => event.payload))
)

describe("box catalog updates from the shop", () => {
  it("starts from the sample boxes, in shelf order with their number keys", async () => {
    const listed = await scenario(listBoxes)
    expect(listed.map((b) => [b.boxId, b.key])).toEqual([
      ["S", "1"],
      ["M", "2"],
      ["L", "3"],
      ["XL", "4"]
    ])
    expect(listed[0]).toMatchObject({ innerMm: { length: 250, width: 175, height: 100 }, tareGrams: 150 })
  })

  it("lists a box an older version stored beyond today's bounds, instead of throwing on it", async () => {
    const listed = await scenario(
      Effect.gen(function* () {
        // As a version before the bounds stored what the shop sent.
        const stored = { ...box("XL"), tareGrams: Number.MAX_SAFE_INTEGER, barcode: "X".repeat(5_000) }
        yield* (yield* Sql).execute("UPDATE boxes SET data = ? WHERE box_id = 'XL'", [JSON.stringify(stored)])
        return yield* listBoxes
      })
    )
    expect(listed.find((b) => b.boxId === "XL")?.tareGrams).toBe(Number.MAX_SAFE_INTEGER)
    // And the bench's API can still send the list.
    expect(Schema.encodeUnknownSync(Schema.Array(BoxListing))(listed)).toHaveLength(4)
  })

  it("applies a newer box, adds a new one at the end, retires one, and ignores what is stale", async () => {
    const result = await scenario(
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const sql = yield* Sql
        const log = yield* EventLog
        const heavierM = { ...box("M"), tareGrams: 300 }
        const bag = {
          boxId: "BAG",
          name: { de: "Versandtasche", en: "Mailer bag" },
          innerMm: { length: 300, width: 220, height: 20 },
          tareGrams: 20,
          maxWeightGrams: 1000,
          barcode: "BOX-BAG"
        }
        const outcomes = [
          yield* inbox.receive(inbound(5, { boxes: [heavierM, bag] })),
          yield* inbox.receive(inbound(6, { boxes: [], retire: ["XL"] })),
          // Older than what the station holds for M and XL: neither M's tare nor XL may come back.
          yield* inbox.receive(inbound(4, { boxes: [{ ...box("M"), tareGrams: 999 }, box("XL")] })),
          yield* inbox.receive(inbound(7, { boxes: [{ ...box("S"), position: 9 }] }))
        ]
        const events = yield* log.read(0, 100)
        const updates = events.filter((event) => event.type === "box.catalog-updated").map((event) => event.payload)
        const stored = yield* sql.query<{ box_id: string; version: number; retired: number }>(
          "SELECT box_id, version, retired FROM boxes ORDER BY box_id"
        )
        return { outcomes, listed: yield* listBoxes, updates, stored }
      })
    )
    expect(result.outcomes).toEqual(["applied", "applied", "applied", "applied"])
    expect(result.listed.map((b) => [b.boxId, b.key])).toEqual([
      ["M", "1"],
      ["L", "2"],
      ["BAG", "3"],
      ["S", "4"]
    ])
    expect(result.listed.find((b) => b.boxId === "M")?.tareGrams).toBe(300)
    expect(result.updates).toEqual([
      { boxVersion: 5, applied: ["M", "BAG"], retired: [], ignored: [] },
      { boxVersion: 6, applied: [], retired: ["XL"], ignored: [] },
      { boxVersion: 4, applied: [], retired: [], ignored: ["M", "XL"] },
      { boxVersion: 7, applied: ["S"], retired: [], ignored: [] }
    ])
    expect(result.stored).toContainEqual({ box_id: "XL", version: 6, retired: 1 })
  })

  it("quarantines malformed updates with the reason and leaves the boxes as they were", async () => {
    const result = await scenario(
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const sql = yield* Sql
        const outcomes = [
          yield* inbox.receive(inbound(2, { boxes: [{ ...box("S"), tareGrams: -5 }] })),
          yield* inbox.receive(inbound(3, { boxes: [] })),
          yield* inbox.receive(inbound(4, { boxes: [{ ...box("S"), boxId: "s small" }] })),
          yield* inbox.receive(inbound(5, { boxes: [box("M"), { ...box("S"), tareGrams: Bounds.maxGrams + 1 }] }))
        ]
        const quarantined = yield* sql.query<{ reason: string }>("SELECT reason FROM sync_inbox_quarantine ORDER BY id")
        return { outcomes, quarantined: quarantined.map((row) => row.reason), listed: yield* listBoxes }
      })
    )
    expect(result.outcomes).toEqual(["quarantined", "quarantined", "quarantined", "quarantined"])
    expect(result.quarantined[0]).toContain("payload does not fit box.upsert")
    expect(result.quarantined[0]).toContain("tareGrams")
    expect(result.quarantined[1]).toContain("names at least one box")
    expect(result.quarantined[2]).toContain("boxId")
    expect(result.quarantined[3]).toMatch(/^payload does not fit box.upsert: box S: tareGrams: Expected .*100000/)
    expect(result.listed.map((b) => [b.boxId, b.tareGrams])).toEqual([
      ["S", 150],
      ["M", 280],
      ["L", 520],
      ["XL", 850]
    ])
  })

  it("refuses a box version no sender can have given, saying why, and takes the next genuine update", async () => {
    const forged = [1e15, Number.MAX_SAFE_INTEGER]
    const result = await scenario(
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const sql = yield* Sql
        const outcomes = [
          yield* inbox.receive(inbound(forged[0]!, { boxes: [{ ...box("M"), tareGrams: 999 }] })),
          yield* inbox.receive(inbound(forged[1]!, { boxes: [], retire: ["L"] })),
          yield* inbox.receive(inbound(2, { boxes: [{ ...box("M"), tareGrams: 300 }] })),
          // A shop that versions its boxes by its change time in ms: the station's clock now is no later.
          yield* inbox.receive(inbound(1_767_225_600_000, { boxes: [], retire: ["XL"] }))
        ]
        const inboxRows = yield* sql.query<{ outcome: string; reason: string | null }>(
          "SELECT outcome, reason FROM sync_inbox ORDER BY seq"
        )
        const quarantined = yield* sql.query<{ reason: string }>("SELECT reason FROM sync_inbox_quarantine ORDER BY id")
        return { outcomes, inboxRows, quarantined, listed: yield* listBoxes, updates: yield* boxUpdates }
      })
    )
    expect(result.outcomes).toEqual(["failed", "failed", "applied", "applied"])
    const refusal = (version: number) =>
      `handler for box.upsert failed: box update: version ${version} is beyond any a sender can have given: neither a count of changes nor a change time in ms gets past this clock's 1767225600000 ms plus 86400000 ms`
    expect(result.inboxRows.slice(0, 2)).toEqual([
      { outcome: "failed", reason: refusal(forged[0]!) },
      { outcome: "failed", reason: refusal(forged[1]!) }
    ])
    expect(result.quarantined.map((row) => row.reason)).toEqual([refusal(forged[0]!), refusal(forged[1]!)])
    expect(result.listed.map((b) => [b.boxId, b.tareGrams])).toEqual([
      ["S", 150],
      ["M", 300],
      ["L", 520]
    ])
    expect(result.updates).toEqual([
      { boxVersion: 2, applied: ["M"], retired: [], ignored: [] },
      { boxVersion: 1_767_225_600_000, applied: [], retired: ["XL"], ignored: [] }
    ])
  })

  it("replaces a box stored or retired at a version no sender can have given with the next genuine update", async () => {
    const result = await scenario(
      Effect.gen(function* () {
        const inbox = yield* Inbox
        const sql = yield* Sql
        // As a station stored forged box.upserts before it checked versions: M changed, L retired.
        const legacy = yield* legacyStationRows
        yield* legacy.box("M", 1e15, { ...box("M"), tareGrams: 999 })
        yield* legacy.box("L", Number.MAX_SAFE_INTEGER)
        const outcomes = [
          yield* inbox.receive(inbound(2, { boxes: [{ ...box("M"), tareGrams: 300 }, box("L")] })),
          // Genuine versions are compared again: an older one is stale.
          yield* inbox.receive(inbound(1, { boxes: [], retire: ["M"] }))
        ]
        const stored = yield* sql.query<{ box_id: string; version: number; retired: number }>(
          "SELECT box_id, version, retired FROM boxes WHERE box_id IN ('M', 'L') ORDER BY box_id"
        )
        return { outcomes, stored, listed: yield* listBoxes, updates: yield* boxUpdates }
      })
    )
    expect(result.outcomes).toEqual(["applied", "applied"])
    expect(result.stored).toEqual([
      { box_id: "L", version: 2, retired: 0 },
      { box_id: "M", version: 2, retired: 0 }
    ])
    expect(result.listed.map((b) => [b.boxId, b.tareGrams])).toEqual([
      ["S", 150],
      ["XL", 850],
      ["M", 300],
      ["L", 520]
    ])
    expect(result.updates).toEqual([
      { boxVersion: 2, applied: ["M", "L"], retired: [], ignored: [] },
      { boxVersion: 1, applied: [], retired: [], ignored: ["M"] }
    ])
  })
})

const text = (length: number) => "A".repeat(length)

/** What is wrong with a box.upsert of `boxes`, field by field; nothing when it fits. */
const problems = (boxes: ReadonlyArray<unknown>) => problemsOf(BoxUpdate)({ boxes })

describe("box.upsert's boxes are bounded", () => {
  it("takes a box at every bound", () => {
    const atBounds = {
      ...box("XL"),
      name: { de: text(Bounds.maxTextChars), en: text(Bounds.maxTextChars) },
      innerMm: { length: Bounds.maxMillimetres, width: Bounds.maxMillimetres, height: Bounds.maxMillimetres },
      tareGrams: Bounds.maxGrams - 1,
      maxWeightGrams: Bounds.maxGrams,
      barcode: text(Bounds.maxIdChars)
    }
    expect(problems([box("S"), atBounds])).toEqual([])
  })

  it.each([
    [1000, 1000],
    [1200, 1000]
  ])(
    "refuses a box whose tare (%i g) is not below its limit (%i g): nothing could be packed in it",
    (tareGrams, maxWeightGrams) => {
      expect(problems([box("S"), { ...box("XL"), tareGrams, maxWeightGrams }])).toEqual([
        { path: "boxes", message: expect.stringContaining(`box XL: `) }
      ])
      expect(problems([box("S"), { ...box("XL"), tareGrams, maxWeightGrams }])[0]?.message).toContain(
        `tare ${tareGrams} g is not below the limit ${maxWeightGrams} g`
      )
    }
  )

  it.each([
    ["innerMm.length", { innerMm: { length: Bounds.maxMillimetres + 1, width: 400, height: 300 } }],
    ["tareGrams", { tareGrams: Bounds.maxGrams + 1 }],
    ["maxWeightGrams", { maxWeightGrams: Number.MAX_SAFE_INTEGER }],
    ["barcode", { barcode: text(Bounds.maxIdChars + 1) }],
    ["name.en", { name: { de: "Karton XL", en: text(Bounds.maxTextChars + 1) } }]
  ])("refuses a box whose %s is out of bounds, naming the box and the field", (field, change) => {
    expect(problems([box("S"), { ...box("XL"), ...change }])).toEqual([
      { path: "boxes", message: expect.stringContaining(`box XL: ${field}: Expected`) }
    ])
  })
})
