import { readdirSync } from "node:fs"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { fixture } from "../../fixtures/SeededStation.ts"
import { brandFor, decodeBrandFile, discountCodeFor } from "./BrandFile.ts"
import { buildInsert } from "./BrandTemplate.ts"

const alpenglow = fixture("brands/alpenglow.json") as Record<string, unknown>

const failure = (raw: unknown) => {
  const exit = Effect.runSyncExit(decodeBrandFile("brands/x.json", raw))
  if (Exit.isSuccess(exit)) throw new Error("decoded a bad brand file")
  const error = exit.cause.reasons[0]
  if (error === undefined || error._tag !== "Fail") throw new Error(String(exit.cause))
  return error.error
}

describe("brand files", () => {
  it("decodes every brand in fixtures/data/brands, with de and en texts, a logo and a discount rule", () => {
    const dir = join(import.meta.dirname, "../../fixtures/data/brands")
    const files = readdirSync(dir).filter((name) => name.endsWith(".json"))
    expect(files.length).toBeGreaterThanOrEqual(2)
    for (const name of files) {
      const brand = Effect.runSync(decodeBrandFile(name, fixture(`brands/${name}`)))
      expect(brand.id).toBe(name.replace(/\.json$/, ""))
      expect(brand.logo!.bits.length).toBe(Math.ceil(brand.logo!.width / 8) * brand.logo!.height)
      expect(brand.discount).toBeDefined()
    }
  })

  it("turns the logo's pixel rows into packed bits, most significant bit first", () => {
    const brand = Effect.runSync(decodeBrandFile("b.json", { ...alpenglow, logo: ["#.......#", "........."] }))
    expect(brand.logo).toEqual({ width: 9, height: 2, bits: new Uint8Array([0x80, 0x80, 0, 0]) })
  })

  it("names the file, the brand and the field of a missing text", () => {
    const texts = alpenglow.texts as { de: Record<string, string>; en: Record<string, string> }
    const { thankYou: _gone, ...de } = texts.de
    const error = failure({ ...alpenglow, texts: { ...texts, de } })
    expect(error).toMatchObject({ file: "brands/x.json", brand: "alpenglow", field: "texts.de.thankYou" })
    expect(error.description).toContain("Brand file brands/x.json (brand alpenglow), field texts.de.thankYou")
  })

  it("refuses ragged logo rows, unknown discount placeholders, a plain-http return URL and unknown keys", () => {
    expect(failure({ ...alpenglow, logo: ["########", "#########"] })).toMatchObject({ field: "logo" })
    expect(failure({ ...alpenglow, logo: ["####x###"] }).field).toBe("logo[0]")
    expect(failure({ ...alpenglow, discount: { pattern: "X-{customer}", percent: 10 } })).toMatchObject({
      field: "discount.pattern",
      message: "{customer} is not a placeholder; the pattern knows {orderId}"
    })
    expect(failure({ ...alpenglow, discount: { pattern: "X", percent: 0 } }).field).toBe("discount.percent")
    expect(failure({ ...alpenglow, returnUrl: "http://x.example/{orderId}" }).field).toBe("returnUrl")
    expect(failure({ ...alpenglow, colour: "red" }).field).toBe("colour")
    expect(failure({ ...alpenglow, id: "Has Spaces" })).toMatchObject({ brand: "Has Spaces", field: "id" })
    expect(failure([1, 2]).brand).toBe("(no id)")
  })

  it("picks the order's brand, else the default, and makes the discount code from the brand's rule", async () => {
    const brands = [alpenglow, fixture("brands/nordlicht.json")].map((raw) =>
      Effect.runSync(decodeBrandFile("b.json", raw))
    )
    const [fallback, nordlicht] = brands
    expect(brandFor(brands, fallback!, "nordlicht").brandName).toBe("Nordlicht Tee")
    expect(brandFor(brands, fallback!, "no-such-shop").brandName).toBe("Alpenglow")
    expect(discountCodeFor(nordlicht!, "SO-100010", "DANKE10")).toBe("TEE15-100010")
    const insert = await Effect.runPromise(
      buildInsert(nordlicht!, {
        orderId: "SO-100010",
        locale: "en",
        customerFirstName: "Ada",
        items: [
          { sku: "ALP-MUG-01", name: "Mug", quantity: 1, careHint: "Not microwave safe." },
          { sku: "ALP-SOCK-M", name: "Socks", quantity: 1, careHint: "Wash at 40 °C." }
        ],
        rmaToken: "P-1",
        discountCode: discountCodeFor(nordlicht!, "SO-100010", "DANKE10")
      })
    )
    // The brand's own hint wins for the mug; the socks keep the catalog's.
    expect(insert.careHints).toEqual([
      { product: "Mug", hint: "Warm with tea first; not microwave safe." },
      { product: "Socks", hint: "Wash at 40 °C." }
    ])
    expect(insert.discountCode).toBe("TEE15-100010")
    expect(insert.thankYou).toBe("Lovely to have you, Ada!")
    expect(insert.logo?.width).toBe(24)
  })
})
