import { describe, expect, it } from "vitest"
import { problemsOf } from "../../fixtures/problemsOf.ts"
import { fixture } from "../../fixtures/SeededStation.ts"
import type { CatalogItem } from "../catalog/CatalogItem.ts"
import { ReferenceData } from "./ReferenceData.ts"

describe("ReferenceData", () => {
  it("refuses a catalog item beyond the plausible bounds, naming the item and the field", () => {
    const [mug, bottle] = fixture("catalog.json") as Array<CatalogItem>
    const problems = problemsOf(ReferenceData)({
      catalog: [mug, { ...bottle, weightGrams: 2 ** 53 - 1 }],
      orders: [],
      badges: []
    })
    expect(problems).toEqual([
      { path: "catalog", message: expect.stringContaining(`item ${bottle!.sku}: weightGrams: Expected`) }
    ])
  })
})
