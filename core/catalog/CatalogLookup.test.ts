import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { fixture, seededStation } from "../../fixtures/SeededStation.ts"
import { skuCandidate } from "../scan/identify.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { catalogItems, identifyWithCatalog } from "./CatalogLookup.ts"

const run = <A>(body: Effect.Effect<A, unknown, Sql>) =>
  Effect.runPromise(
    body.pipe(
      Effect.provide(
        seededStation({
          filename: join(mkdtempSync(join(tmpdir(), "pb-catalog-lookup-")), "station.db"),
          clock: StationClock.manual(1_767_225_600_000).layer
        })
      )
    )
  )

describe("skuCandidate", () => {
  it("is the scan without its terminator and symbology identifier, as identification asks for a SKU", () => {
    expect(skuCandidate("MUG1\r\n")).toBe("MUG1")
    expect(skuCandidate("]A0MUG1")).toBe("MUG1")
    expect(skuCandidate("")).toBeUndefined()
    expect(skuCandidate("MUG\u00071")).toBeUndefined()
  })
})

describe("identifyWithCatalog", () => {
  it("reads a SKU or an alias in any case as the catalog's SKU", async () => {
    const [sku, alias, unknown] = await run(
      Effect.all([identifyWithCatalog("alp-sock-m"), identifyWithCatalog(" mug1 "), identifyWithCatalog("NOPE-1")])
    )
    expect(sku).toMatchObject({ kind: "sku", valid: true, sku: "ALP-SOCK-M" })
    expect(alias).toMatchObject({ kind: "sku", valid: true, sku: "ALP-MUG-01" })
    expect(unknown.kind).toBe("unknown")
  })

  it("passes the flow's options on: with a tracking number expected, a valid tracking number is one", async () => {
    const identified = await run(identifyWithCatalog("1Z999AA10123456784", { expect: "tracking" }))
    expect(identified).toMatchObject({ kind: "tracking", valid: true, carrier: "ups" })
  })
})

describe("catalogItems", () => {
  it("decodes only the items asked for, by SKU or GTIN-14", async () => {
    const found = await run(catalogItems({ skus: ["ALP-MUG-01", "ALP-MUG-01"], gtin14s: ["04260123450038"] }))
    expect(found.items.map((item) => item.sku).sort()).toEqual(["ALP-MUG-01", "ALP-SOCK-M"])
    expect(found.beyondBounds).toEqual([])
    expect(await run(catalogItems({ skus: [], gtin14s: [] }))).toEqual({ items: [], beyondBounds: [] })
  })

  it("refuses an item an older version stored beyond today's bounds, as it would arriving now, naming its fields", async () => {
    const stored = {
      ...(fixture("catalog.json") as Array<Record<string, unknown>>)[0],
      sku: "OLD-HEAVY-1",
      gtin: "4260123459994",
      name: { de: "B".repeat(5_000), en: "Heavy" },
      aliases: Array.from({ length: 100 }, (_, index) => `OLD-${index}`),
      weightGrams: Number.MAX_SAFE_INTEGER
    }
    const found = await run(
      Effect.gen(function* () {
        // As a version before the bounds wrote it: the item as the shop sent it, in the row's JSON.
        yield* (yield* Sql).execute("INSERT INTO catalog_items (sku, gtin14, data, version) VALUES (?, ?, ?, 3)", [
          stored.sku,
          "04260123459994",
          JSON.stringify(stored)
        ])
        return yield* catalogItems({ skus: ["OLD-HEAVY-1"], gtin14s: [] })
      })
    )
    expect(found).toEqual({
      items: [],
      beyondBounds: [{ sku: "OLD-HEAVY-1", gtin14: "04260123459994", fields: ["name", "aliases", "weightGrams"] }]
    })
  })
})
