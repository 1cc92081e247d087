import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { inboxScenario, shopMessage } from "../../fixtures/InboxScenario.ts"
import { problemsOf } from "../../fixtures/problemsOf.ts"
import { fixture } from "../../fixtures/SeededStation.ts"
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
