import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { buildInsert } from "./BrandTemplate.ts"
import { exampleBrand, exampleOrder } from "./exampleBrand.ts"

describe("buildInsert", () => {
  it("fills the German texts, care hints by SKU and the RMA URL", async () => {
    const insert = await Effect.runPromise(buildInsert(exampleBrand, exampleOrder))
    expect(insert.thankYou).toBe("Danke, Zoë!")
    expect(insert.careHints).toEqual([
      { product: "Earl Grey Bio 100 g", hint: "Kühl und trocken lagern." },
      { product: "Becher Fjord", hint: "Nicht für die Mikrowelle." }
    ])
    expect(insert.returnUrl).toBe("https://returns.nordlicht.example/r/ORD-2024-000123?rma=RMA%207F3K")
    expect(insert.footer).toBe("Bestellung ORD-2024-000123 · nordlicht.example")
    expect(insert.items).toHaveLength(3)
  })

  it("uses the English texts for an English order", async () => {
    const insert = await Effect.runPromise(buildInsert(exampleBrand, { ...exampleOrder, locale: "en" }))
    expect(insert.thankYou).toBe("Thank you, Zoë!")
    expect(insert.careHints[0]?.hint).toBe("Store cool and dry.")
    expect(insert.discountLine).toBe("10% off your next order with the code")
  })

  it("names an unknown placeholder and a missing first name", async () => {
    const broken = {
      ...exampleBrand,
      texts: { ...exampleBrand.texts, en: { ...exampleBrand.texts.en, thankYou: "Hi {name}" } }
    }
    const exit = await Effect.runPromiseExit(buildInsert(broken, { ...exampleOrder, locale: "en" }))
    expect(Exit.isFailure(exit) && exit.cause.reasons[0]?._tag === "Fail" && exit.cause.reasons[0].error).toMatchObject(
      {
        field: "thankYou",
        message: expect.stringContaining("{name}")
      }
    )
    const empty = await Effect.runPromiseExit(buildInsert(exampleBrand, { ...exampleOrder, customerFirstName: " " }))
    expect(Exit.isFailure(empty)).toBe(true)
  })
})
