import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { loadBrands } from "../../drivers/station/loadBrands.ts"
import { buildInsert } from "../insert/BrandTemplate.ts"
import { identifyScan } from "./identify.ts"
import { maxReturnUrlLength, parseReturnUrl, returnUrlHosts } from "./ReturnUrl.ts"

const brands = loadBrands(join(import.meta.dirname, "../../fixtures/data/brands"), "alpenglow")
const templates = brands.brands.map((brand) => brand.returnUrl)

/** The QR code the insert of a packed parcel carries, built as the pack bench builds it. */
const insertQr = (brandId: string, orderId: string, parcelId: string) =>
  Effect.runSync(
    buildInsert(brands.brands.find((brand) => brand.id === brandId)!, {
      orderId,
      locale: "de",
      customerFirstName: "Anna",
      items: [{ sku: "ALP-MUG-01", name: "Becher", quantity: 1 }],
      rmaToken: parcelId,
      discountCode: "DANKE10"
    })
  ).returnUrl

describe("the brands' return page address as the return code", () => {
  it("reads what every brand's insert prints: the order and the return code", () => {
    expect(returnUrlHosts(templates)).toEqual(["returns.alpenglow.example", "returns.nordlicht.example"])
    for (const brand of ["alpenglow", "nordlicht"]) {
      const qr = insertQr(brand, "SO-100001", "PACK-01-000007")
      expect(parseReturnUrl(qr, templates)).toEqual({
        ok: true,
        host: `returns.${brand}.example`,
        orderId: "SO-100001",
        rma: "PACK-01-000007"
      })
      expect(identifyScan(qr, { returnUrls: templates, expect: "tracking" })).toEqual({
        input: qr,
        kind: "packbench",
        valid: true,
        type: "rma",
        id: "PACK-01-000007",
        orderId: "SO-100001"
      })
    }
  })

  it("takes what a scanner does to it: upper case host, a trailing slash, a fragment, a scanner's line end", () => {
    const qr = "HTTPS://Returns.Alpenglow.Example/r/so-100001/?rma=pack-01-000007#top"
    expect(parseReturnUrl(qr, templates)).toMatchObject({ ok: true, orderId: "SO-100001", rma: "PACK-01-000007" })
    expect(identifyScan(`${qr}\r\n`, { returnUrls: templates })).toMatchObject({ valid: true, id: "PACK-01-000007" })
  })

  it("refuses a foreign address, a wrong path or parameter, implausible codes and anything too long, saying why", () => {
    const cases: ReadonlyArray<readonly [string, string, RegExp]> = [
      ["https://evil.example/r/SO-100001?rma=PACK-01-000007", "foreign", /evil\.example is not a return page/],
      ["https://returns.alpenglow.example.evil.example/r/SO-1?rma=X", "foreign", /not a return page/],
      ["http://returns.alpenglow.example/r/SO-100001?rma=PACK-01-000007", "malformed", /only https/],
      ["https://user@returns.alpenglow.example/r/SO-100001?rma=P-1", "malformed", /only https/],
      ["https://returns.alpenglow.example:8443/r/SO-100001?rma=P-1", "malformed", /only https/],
      ["https://returns.alpenglow.example/x/SO-100001?rma=P-1", "malformed", /path/],
      ["https://returns.alpenglow.example/r/SO-100001", "malformed", /no "rma" parameter/],
      ["https://returns.alpenglow.example/r/SO-100001?rma=%3Cscript%3E", "malformed", /not a return code/],
      ["https://returns.alpenglow.example/r/SO-100001?rma=%E0%A4%A", "malformed", /not a readable/],
      ["https://returns.alpenglow.example/r/S%20O?rma=P-1", "malformed", /not an order number/],
      [`https://returns.alpenglow.example/r/SO-1?rma=${"A".repeat(33)}`, "malformed", /not a return code/],
      [
        `https://returns.alpenglow.example/r/SO-1?rma=P-1&pad=${"x".repeat(maxReturnUrlLength)}`,
        "too-long",
        /at most 256/
      ]
    ]
    for (const [text, code, reason] of cases) {
      const parsed = parseReturnUrl(text, templates)
      expect(parsed, text).toMatchObject({ ok: false, code })
      expect(parsed?.ok === false ? parsed.reason : "", text).toMatch(reason)
    }
    expect(parseReturnUrl("PB:RMA:X:1", templates)).toBeUndefined()
    // Identification leaves foreign addresses to the other readers (a GS1 Digital Link is an address too).
    expect(identifyScan("https://id.gs1.org/01/04260123450014", { returnUrls: templates }).kind).toBe("digital-link")
    expect(identifyScan("https://returns.alpenglow.example/r/SO-1", { returnUrls: templates })).toMatchObject({
      kind: "packbench",
      type: "rma",
      valid: false,
      reason: 'the address has no "rma" parameter'
    })
  })
})
