import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { inboxScenario, shopMessage } from "../../fixtures/InboxScenario.ts"
import { problemsOf } from "../../fixtures/problemsOf.ts"
import { fixture } from "../../fixtures/SeededStation.ts"
import { legacyStationRows } from "../../fixtures/sqlite/LegacyStationRows.ts"
import { Bounds } from "../bounds/Bounds.ts"
import { EventLog } from "../events/EventLog.ts"
import { Sql } from "../store/Sql.ts"
import { Inbox } from "../sync/Inbox.ts"
import { CatalogUpdate, registerCatalogInbound } from "./CatalogInbound.ts"
import { type CatalogItem, MAX_ALIASES_PER_ITEM } from "./CatalogItem.ts"

const catalog = fixture("catalog.json") as Array<CatalogItem>
const mug = catalog.find((item) => item.sku === "ALP-MUG-01")!
const other = catalog.find((item) => item.sku !== mug.sku)!

const scenario = <A>(body: Effect.Effect<A, unknown, Inbox | Sql | EventLog>) =>
  inboxScenario(registerCatalogInbound, body)

/** A catalog.upsert of `items` at catalog version `version`, as received. */
const upsert = (version: number, items: ReadonlyArray<unknown>) =>
  Effect.flatMap(Effect.service(Inbox), (inbox) => inbox.receive(shopMessage("catalog.upsert", { items }, { version })))

const catalogUpdates = Effect.flatMap(Effect.service(EventLog), (log) => log.read(0, 100)).pipe(
  Effect.map((events) => events.filter((event) => event.type === "catalog.updated").map((event) => event.payload))
)

const quarantined = Effect.flatMap(Effect.service(Sql), (sql) =>
  sql.query<{ reason: string }>("SELECT reason FROM sync_inbox_quarantine ORDER BY id")
).pipe(Effect.map((rows) => rows.map((row) => row.reason)))

describe("catalog.upsert from the shop", () => {
  it("replaces a catalog item only with a newer catalog version, and moves its aliases with it", async () => {
    const result = await scenario(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* upsert(1, [{ ...mug, binHint: "Z-99", aliases: ["MUG2"] }])
        // A lower catalog version, as a delayed message from the shop would have.
        yield* upsert(0, [{ ...mug, binHint: "OLD" }])
        const row = yield* sql.query<{ data: string; version: number }>(
          "SELECT data, version FROM catalog_items WHERE sku = 'ALP-MUG-01'"
        )
        const aliases = yield* sql.query<{ alias: string }>("SELECT alias FROM sku_aliases WHERE sku = 'ALP-MUG-01'")
        return {
          item: JSON.parse(row[0]!.data),
          version: Number(row[0]!.version),
          aliases: aliases.map((a) => a.alias),
          updates: yield* catalogUpdates
        }
      })
    )
    expect(result).toMatchObject({ item: { binHint: "Z-99" }, version: 1, aliases: ["MUG2"] })
    expect(result.updates).toEqual([
      { catalogVersion: 1, applied: ["ALP-MUG-01"], ignored: [] },
      { catalogVersion: 0, applied: [], ignored: ["ALP-MUG-01"] }
    ])
  })

  it("moves an alias the shop gave to another item, whatever the order of the items in the message", async () => {
    const result = await scenario(
      Effect.gen(function* () {
        const sql = yield* Sql
        const aliases = sql.query<{ alias: string; sku: string }>(
          "SELECT alias, sku FROM sku_aliases WHERE alias LIKE 'SHELF-%' ORDER BY alias"
        )
        const outcomes = [
          yield* upsert(10, [
            { ...mug, aliases: ["SHELF-7"] },
            { ...other, aliases: [] }
          ])
        ]
        // The shop moves SHELF-7 to the other item: the item that gets it comes first in the message.
        outcomes.push(
          yield* upsert(11, [
            { ...other, aliases: ["SHELF-7", "SHELF-7"] },
            { ...mug, aliases: [] }
          ])
        )
        const moved = yield* aliases
        // And back, with only the item that gets it in the message.
        outcomes.push(yield* upsert(12, [{ ...mug, aliases: ["SHELF-7"] }]))
        const back = yield* aliases
        // A message no newer than the item holding it does not take it: refused, and nothing of it applied.
        outcomes.push(yield* upsert(12, [{ ...other, aliases: ["SHELF-7"] }]))
        outcomes.push(
          yield* upsert(13, [
            { ...mug, aliases: ["SHELF-9"] },
            { ...other, aliases: ["SHELF-9"] }
          ])
        )
        return { outcomes, moved, back, after: yield* aliases, reasons: yield* quarantined }
      })
    )
    expect(result.outcomes).toEqual(["applied", "applied", "applied", "failed", "failed"])
    expect(result.moved).toEqual([{ alias: "SHELF-7", sku: other.sku }])
    expect(result.back).toEqual([{ alias: "SHELF-7", sku: mug.sku }])
    expect(result.after).toEqual([{ alias: "SHELF-7", sku: mug.sku }])
    expect(result.reasons).toEqual([
      expect.stringContaining(
        `alias SHELF-7 of ${other.sku} belongs to ${mug.sku} at catalog version 12, newer than this update's 12`
      ),
      expect.stringContaining(`alias SHELF-9 is given to both ${mug.sku} and ${other.sku}: an alias names one item`)
    ])
  })

  it("gives a GTIN to one item: moved with the message whatever its order, refused in words when two items claim it", async () => {
    const result = await scenario(
      Effect.gen(function* () {
        const sql = yield* Sql
        const gtins = sql.query<{ sku: string; gtin14: string }>(
          "SELECT sku, gtin14 FROM catalog_items WHERE sku IN (?, ?) ORDER BY sku",
          [mug.sku, other.sku]
        )
        const before = yield* gtins
        const gtinOf = (sku: string) => before.find((row) => row.sku === sku)!.gtin14
        const spare = "04260999999994"
        // The shop gives the mug's GTIN to the other item and the mug a new one; the item that takes it comes first.
        const moved = yield* upsert(20, [
          { ...other, gtin: gtinOf(mug.sku) },
          { ...mug, gtin: spare }
        ])
        const afterMove = yield* gtins
        const twice = yield* upsert(21, [
          { ...mug, gtin: "04260999999987" },
          { ...other, gtin: "4260999999987" }
        ])
        // The other item's GTIN (the mug's before) for a third item that this message does not move it from.
        const third = catalog.find((item) => item.sku !== mug.sku && item.sku !== other.sku)!
        const taken = yield* upsert(22, [{ ...third, gtin: gtinOf(mug.sku) }])
        return { moved, afterMove, twice, taken, after: yield* gtins, reasons: yield* quarantined }
      })
    )
    expect(result.moved).toBe("applied")
    expect(Object.fromEntries(result.afterMove.map((row) => [row.sku, row.gtin14]))).toEqual({
      [mug.sku]: "04260999999994",
      [other.sku]: mug.gtin.padStart(14, "0")
    })
    expect([result.twice, result.taken]).toEqual(["failed", "failed"])
    expect(result.after).toEqual(result.afterMove)
    expect(result.reasons).toEqual([
      expect.stringContaining(
        `GTIN 04260999999987 is given to both ${mug.sku} and ${other.sku}: a GTIN names one item`
      ),
      expect.stringContaining(
        `GTIN ${mug.gtin.padStart(14, "0")} of ${catalog.find((item) => item.sku !== mug.sku && item.sku !== other.sku)!.sku} belongs to ${other.sku}, which this update leaves as it is: a GTIN names one item`
      )
    ])
  })

  it("refuses a catalog version no sender can have given, saying why, and takes the next genuine update", async () => {
    const forged = [1e15, Number.MAX_SAFE_INTEGER]
    const result = await scenario(
      Effect.gen(function* () {
        const sql = yield* Sql
        const outcomes = [
          yield* upsert(forged[0]!, [{ ...mug, binHint: "FORGED", aliases: ["FORGED-1"] }]),
          yield* upsert(forged[1]!, [{ ...other, binHint: "FORGED" }]),
          yield* upsert(2, [{ ...mug, binHint: "Z-02" }]),
          // A shop that versions its catalog by its change time in ms: the station's clock now is no later.
          yield* upsert(1_767_225_600_000, [{ ...other, binHint: "Z-03" }])
        ]
        const inboxRows = yield* sql.query<{ outcome: string; reason: string | null }>(
          "SELECT outcome, reason FROM sync_inbox ORDER BY seq"
        )
        const items = yield* sql.query<{ sku: string; version: number; data: string }>(
          "SELECT sku, version, data FROM catalog_items WHERE sku IN (?, ?)",
          [mug.sku, other.sku]
        )
        const forgedAlias = yield* sql.query("SELECT sku FROM sku_aliases WHERE alias = 'FORGED-1'")
        return { outcomes, inboxRows, items, forgedAlias, reasons: yield* quarantined, updates: yield* catalogUpdates }
      })
    )
    expect(result.outcomes).toEqual(["failed", "failed", "applied", "applied"])
    const refusal = (version: number) =>
      `handler for catalog.upsert failed: catalog update: version ${version} is beyond any a sender can have given: neither a count of changes nor a change time in ms gets past this clock's 1767225600000 ms plus 86400000 ms`
    expect(result.inboxRows.slice(0, 2)).toEqual([
      { outcome: "failed", reason: refusal(forged[0]!) },
      { outcome: "failed", reason: refusal(forged[1]!) }
    ])
    expect(result.reasons).toEqual([refusal(forged[0]!), refusal(forged[1]!)])
    expect(
      Object.fromEntries(result.items.map((row) => [row.sku, [Number(row.version), JSON.parse(row.data).binHint]]))
    ).toEqual({ [mug.sku]: [2, "Z-02"], [other.sku]: [1_767_225_600_000, "Z-03"] })
    expect(result.forgedAlias).toEqual([])
    expect(result.updates).toEqual([
      { catalogVersion: 2, applied: [mug.sku], ignored: [] },
      { catalogVersion: 1_767_225_600_000, applied: [other.sku], ignored: [] }
    ])
  })

  it("replaces an item stored at a version no sender can have given, and moves the aliases such an item holds", async () => {
    const result = await scenario(
      Effect.gen(function* () {
        const sql = yield* Sql
        // As a station stored a forged catalog.upsert before it checked versions.
        const legacy = yield* legacyStationRows
        yield* legacy.catalogItem({ ...mug, binHint: "FORGED" }, 1e15)
        yield* legacy.catalogItem({ ...other, aliases: ["SHELF-1"] }, Number.MAX_SAFE_INTEGER)
        const outcomes = [
          yield* upsert(2, [{ ...mug, binHint: "Z-02", aliases: ["SHELF-1"] }]),
          // Genuine versions are compared again: an older one is stale.
          yield* upsert(1, [{ ...mug, binHint: "OLD" }])
        ]
        const row = yield* sql.query<{ version: number; data: string }>(
          "SELECT version, data FROM catalog_items WHERE sku = ?",
          [mug.sku]
        )
        const shelf = yield* sql.query<{ sku: string }>("SELECT sku FROM sku_aliases WHERE alias = 'SHELF-1'")
        return {
          outcomes,
          version: Number(row[0]!.version),
          binHint: JSON.parse(row[0]!.data).binHint,
          shelf,
          updates: yield* catalogUpdates
        }
      })
    )
    expect(result.outcomes).toEqual(["applied", "applied"])
    expect(result).toMatchObject({ version: 2, binHint: "Z-02", shelf: [{ sku: mug.sku }] })
    expect(result.updates).toEqual([
      { catalogVersion: 2, applied: [mug.sku], ignored: [] },
      { catalogVersion: 1, applied: [], ignored: [mug.sku] }
    ])
  })
})

const text = (length: number) => "A".repeat(length)

/** What is wrong with a catalog.upsert of `items`, field by field; nothing when it fits. */
const problems = (items: ReadonlyArray<unknown>) => problemsOf(CatalogUpdate)({ items })

describe("catalog.upsert's items are bounded", () => {
  it("takes an item at every bound", () => {
    const atBounds = {
      ...other,
      name: { de: text(Bounds.maxTextChars), en: text(Bounds.maxTextChars) },
      aliases: Array.from({ length: MAX_ALIASES_PER_ITEM }, (_, index) => `${index}`.padStart(Bounds.maxIdChars, "A")),
      weightGrams: Bounds.maxGrams,
      category: text(Bounds.maxIdChars),
      binHint: text(Bounds.maxTextChars),
      careHint: { de: text(Bounds.maxTextChars), en: text(Bounds.maxTextChars) },
      icon: text(Bounds.maxIdChars)
    }
    expect(problems([mug, atBounds])).toEqual([])
  })

  it.each([
    ["weightGrams", { weightGrams: Bounds.maxGrams + 1 }],
    ["weightGrams", { weightGrams: Number.MAX_SAFE_INTEGER }],
    ["name.de", { name: { de: text(Bounds.maxTextChars + 1), en: "Bottle" } }],
    ["aliases", { aliases: Array.from({ length: MAX_ALIASES_PER_ITEM + 1 }, (_, index) => `B${index}`) }],
    ["aliases[1]", { aliases: ["B1", text(Bounds.maxIdChars + 1)] }],
    ["category", { category: text(Bounds.maxIdChars + 1) }],
    ["binHint", { binHint: text(Bounds.maxTextChars + 1) }],
    ["careHint.en", { careHint: { de: "Spülen", en: text(Bounds.maxTextChars + 1) } }],
    ["icon", { icon: text(Bounds.maxIdChars + 1) }]
  ])("refuses an item whose %s is out of bounds, naming the item and the field", (field, change) => {
    expect(problems([mug, { ...other, ...change }])).toEqual([
      { path: "items", message: expect.stringContaining(`item ${other.sku}: ${field}: Expected`) }
    ])
  })

  it("quarantines the whole message with a reason naming the item and the field, and keeps the stored item", async () => {
    const result = await scenario(
      Effect.gen(function* () {
        const sql = yield* Sql
        const outcome = yield* upsert(2, [
          { ...mug, binHint: "Z-99" },
          { ...other, weightGrams: Bounds.maxGrams + 1 }
        ])
        const stored = yield* sql.query<{ sku: string; data: string }>(
          "SELECT sku, data FROM catalog_items WHERE sku IN (?, ?) ORDER BY sku",
          [mug.sku, other.sku]
        )
        return { outcome, reasons: yield* quarantined, stored: stored.map((row) => JSON.parse(row.data)) }
      })
    )
    expect(result.outcome).toBe("quarantined")
    expect(result.reasons).toEqual([
      expect.stringMatching(
        new RegExp(`^payload does not fit catalog.upsert: item ${other.sku}: weightGrams: Expected .*100000`)
      )
    ])
    expect(result.stored).toEqual(expect.arrayContaining([mug, other]))
  })
})
