import { describe, expect, it } from "vitest"
import { identifyScan, maxScanLength } from "./identify.ts"

const GS = "\u001d"

describe("identifyScan: GTINs", () => {
  it("normalises GTIN-8, UPC-A, EAN-13 and GTIN-14 to GTIN-14", () => {
    expect(identifyScan("96385074")).toEqual({ input: "96385074", kind: "gtin", valid: true, gtin: "00000096385074" })
    expect(identifyScan("036000291452")).toMatchObject({ gtin: "00036000291452", valid: true })
    expect(identifyScan("0036000291452")).toMatchObject({ gtin: "00036000291452", valid: true })
    expect(identifyScan("4006381333931")).toMatchObject({ gtin: "04006381333931", valid: true })
    expect(identifyScan("10614141000415")).toMatchObject({ gtin: "10614141000415", valid: true })
    expect(identifyScan("]E04006381333931")).toMatchObject({ kind: "gtin", gtin: "04006381333931" })
  })

  it("reports a bad check digit as an invalid gtin naming the right digit", () => {
    expect(identifyScan("4006381333932")).toEqual({
      input: "4006381333932",
      kind: "gtin",
      valid: false,
      gtin: "04006381333932",
      reason: "check digit 2 should be 1"
    })
  })
})

describe("identifyScan: GS1 element strings", () => {
  it("reads AIM-prefixed GS1-128, DataMatrix, QR and DataBar data", () => {
    for (const aim of ["]C1", "]d2", "]Q3", "]e0"]) {
      expect(identifyScan(`${aim}0109506000134352${"10"}LOT1${GS}17251231`)).toEqual({
        input: `${aim}0109506000134352${"10"}LOT1${GS}17251231`,
        kind: "gs1",
        valid: true,
        ais: [
          { ai: "01", value: "09506000134352" },
          { ai: "10", value: "LOT1" },
          { ai: "17", value: "251231" }
        ]
      })
    }
  })

  it("accepts a leading FNC1 sent as GS, and the human-readable (AI) form", () => {
    expect(identifyScan(`${GS}0109506000134352${"21"}S1`)).toMatchObject({ kind: "gs1", valid: true })
    expect(identifyScan("(01)09506000134352(10)A(17)251231")).toMatchObject({ kind: "gs1", valid: true })
  })

  it("calls a string whose primary key is AI 00 an sscc, and a bare valid 18-digit SSCC too", () => {
    expect(identifyScan("]C100106141412345678908")).toMatchObject({ kind: "sscc", valid: true })
    expect(identifyScan("106141412345678908")).toEqual({
      input: "106141412345678908",
      kind: "sscc",
      valid: true,
      ais: [{ ai: "00", value: "106141412345678908" }]
    })
    expect(identifyScan("106141412345678909")).toMatchObject({ kind: "unknown", reason: /SSCC check digit/ })
  })

  it("lists every problem of an invalid string and gives the first as reason", () => {
    const result = identifyScan(`]C10109506000134353${"17"}251332`)
    expect(result).toMatchObject({ kind: "gs1", valid: false, reason: expect.stringMatching(/AI \(01\)/) })
    if (result.kind === "gs1") expect(result.errors).toHaveLength(2)
    expect(identifyScan("]C1010950600013")).toMatchObject({
      valid: false,
      reason: "AI (01) needs 14 characters, got 10"
    })
  })
})

describe("identifyScan: GS1 Digital Link", () => {
  it("reads the primary key, qualifiers and query attributes, percent-decoded", () => {
    expect(identifyScan("https://example.com/01/09506000134352/10/AB%2F1/21/X?17=251231&linkType=gs1:pip")).toEqual({
      input: "https://example.com/01/09506000134352/10/AB%2F1/21/X?17=251231&linkType=gs1:pip",
      kind: "digital-link",
      valid: true,
      ais: [
        { ai: "01", value: "09506000134352" },
        { ai: "10", value: "AB/1" },
        { ai: "21", value: "X" },
        { ai: "17", value: "251231" }
      ]
    })
  })

  it("reads a GTIN-13 in the path as its GTIN-14 but refuses it, accepts a path stem, and makes 00 an sscc", () => {
    expect(identifyScan("https://brand.example/shop/01/9506000134352")).toMatchObject({
      valid: false,
      ais: [{ ai: "01", value: "09506000134352" }],
      reason: "AI (01) must be the 14-digit GTIN in a Digital Link URI: 09506000134352, not 9506000134352"
    })
    expect(identifyScan("https://brand.example/shop/01/09506000134352")).toMatchObject({ valid: true })
    expect(identifyScan("https://id.gs1.org/00/106141412345678908")).toMatchObject({ kind: "sscc", valid: true })
  })

  it("rejects bad qualifier order, bad check digits, dates and non-attribute query AIs", () => {
    expect(identifyScan("https://e.com/01/09506000134352/21/X/10/A")).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/qualifiers 21,10/)
    })
    expect(identifyScan("https://e.com/01/09506000134353")).toMatchObject({ valid: false })
    expect(identifyScan("https://e.com/01/09506000134352?17=251301")).toMatchObject({ reason: /month 13/ })
    expect(identifyScan("https://e.com/01/09506000134352?21=X")).toMatchObject({ reason: /query attribute/ })
    expect(identifyScan("https://e.com/01/09506000134352/10/%E0%A4%A")).toMatchObject({ reason: /percent/ })
  })

  it("reads short names, and refuses a trailing slash, repeated AIs and key qualifiers in the query", () => {
    expect(identifyScan("https://id.example/gtin/09506000134352/lot/A1/ser/X")).toMatchObject({
      kind: "digital-link",
      valid: true,
      ais: [
        { ai: "01", value: "09506000134352" },
        { ai: "10", value: "A1" },
        { ai: "21", value: "X" }
      ]
    })
    expect(identifyScan("https://id.example/sscc/106141412345678908")).toMatchObject({ kind: "sscc", valid: true })
    expect(identifyScan("https://e.com/01/09506000134352/")).toMatchObject({ valid: false, reason: /end in '\/'/ })
    expect(identifyScan("https://e.com/01/09506000134352?01=09506000134352")).toMatchObject({
      valid: false,
      errors: expect.arrayContaining(["AI (01) appears more than once"])
    })
    expect(identifyScan("https://e.com/01/09506000134352?21=X")).toMatchObject({ valid: false })
    expect(identifyScan("https://e.com/01/09506000134352?17=260101&17=260101")).toMatchObject({ valid: false })
  })

  it("applies the dictionary's pairing rules to the whole URI", () => {
    expect(identifyScan("https://e.com/00/106141412345678908?02=09506000134352")).toMatchObject({
      valid: false,
      reason: "AI (02) needs (37) with it"
    })
    expect(identifyScan("https://e.com/00/106141412345678908?02=09506000134352&37=5")).toMatchObject({ valid: true })
    expect(identifyScan("https://e.com/01/09506000134352?3100=000100&3101=001000")).toMatchObject({
      valid: false,
      reason: "AI (3100) must not appear together with AI (3101)"
    })
  })

  it("leaves a URL without a primary key to the other identifiers", () => {
    expect(identifyScan("https://example.com/about")).toMatchObject({ kind: "unknown" })
  })
})

describe("identifyScan: SKUs", () => {
  const catalog = new Map([
    ["MUG-RED", "MUG-RED"],
    ["ALIAS-7", "04006381333931"]
  ])
  const resolveSku = (code: string) => catalog.get(code)

  it("asks the catalog about codes nothing else recognises", () => {
    expect(identifyScan("ALIAS-7", { resolveSku })).toEqual({
      input: "ALIAS-7",
      kind: "sku",
      valid: true,
      sku: "04006381333931"
    })
    expect(identifyScan("NOPE", { resolveSku })).toMatchObject({ kind: "unknown" })
    expect(identifyScan("4006381333931", { resolveSku: () => "X" }).kind).toBe("gtin")
  })

  it("turns a resolver that throws into an unknown, not an exception", () => {
    const result = identifyScan("MUG", {
      resolveSku: () => {
        throw new Error("catalog closed")
      }
    })
    expect(result).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/catalog closed/) })
  })
})

describe("identifyScan: input hygiene", () => {
  it("strips one trailing CR/LF, not more, and keeps the raw input", () => {
    expect(identifyScan("4006381333931\r\n")).toMatchObject({ input: "4006381333931", valid: true })
    expect(identifyScan("4006381333931\n")).toMatchObject({ valid: true })
    expect(identifyScan("4006381333931\r")).toMatchObject({ valid: true })
    expect(identifyScan("4006381333931\n\n")).toMatchObject({ kind: "unknown", reason: /U\+000A at position 13/ })
  })

  it("rejects control characters, empty, over-long and broken-Unicode scans with a reason", () => {
    expect(identifyScan("")).toMatchObject({ kind: "unknown", reason: "empty scan" })
    expect(identifyScan("\r\n")).toMatchObject({ kind: "unknown", reason: "empty scan" })
    expect(identifyScan("40063\u000781333931")).toMatchObject({ kind: "unknown", reason: /U\+0007 at position 5/ })
    expect(identifyScan("x".repeat(10_000))).toMatchObject({ kind: "unknown", reason: /10000 characters/ })
    expect(identifyScan("x".repeat(maxScanLength)).kind).toBe("unknown")
    expect(identifyScan("ab\uD800")).toMatchObject({ reason: /lone surrogate/ })
    expect(identifyScan("]C1")).toMatchObject({ reason: /with no data/ })
  })
})
