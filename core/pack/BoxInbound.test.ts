import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { inboxScenario, shopMessage } from "../../fixtures/InboxScenario.ts"
import { problemsOf } from "../../fixtures/problemsOf.ts"
import { fixture } from "../../fixtures/SeededStation.ts"
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
      tareGrams: Bounds.maxGrams,
      maxWeightGrams: Bounds.maxGrams,
      barcode: text(Bounds.maxIdChars)
    }
    expect(problems([box("S"), atBounds])).toEqual([])
  })

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
