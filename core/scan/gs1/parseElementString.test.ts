import { describe, expect, it } from "vitest"
import { gs1FullYear } from "./gs1Date.ts"
import { gs1LinterProblem } from "./gs1Linter.ts"
import { GS, parseElementString } from "./parseElementString.ts"

const parse = (data: string) => parseElementString(data, 2025)

describe("parseElementString", () => {
  it("reads fixed- and variable-length AIs with GS separators (GenSpecs 7.8.5 example)", () => {
    expect(parse(`0109506000134352172512311OABC${GS}21XYZ`).errors).toEqual(['unknown AI at position 24: "1OAB"'])
    expect(parse(`010950600013435217251231${"10"}ABC123${GS}2112345`)).toEqual({
      ais: [
        { ai: "01", value: "09506000134352" },
        { ai: "17", value: "251231" },
        { ai: "10", value: "ABC123" },
        { ai: "21", value: "12345" }
      ],
      errors: []
    })
  })

  it("reads an SSCC logistic label string: 00, 02, 37, 400, 403, 410-422", () => {
    const data = `00106141412345678908020950600013435237100${GS}400PO-4711${GS}403R1${GS}4109501101020917421276${"12345"}`
    const result = parse(data)
    expect(result.ais.map((a) => a.ai)).toEqual(["00", "02", "37", "400", "403", "410", "421"])
    expect(result.errors).toEqual([])
  })

  it("reads measures 310n-369n and the decimal-position digit is part of the AI", () => {
    expect(parse("0109506000134352310300150036950012345").ais).toEqual([
      { ai: "01", value: "09506000134352" },
      { ai: "3103", value: "001500" },
      { ai: "3695", value: "001234" }
    ])
    expect(parse("01095060001343523106001500").errors[0]).toMatch(/unknown AI at position 16: "3106"/)
  })

  it("checks SSCC, GTIN and GLN check digits", () => {
    expect(parse("00106141412345678909").errors).toEqual(["AI (00) SSCC: check digit does not hold (GS1 mod 10)"])
    expect(parse("0209506000134353").errors[0]).toMatch(/AI \(02\).*check digit/)
    expect(parse("4109501101020918").errors[0]).toMatch(/AI \(410\).*check digit/)
  })

  it("validates dates: DD=00 allowed for 11-17, month 1-12, real days, leap years by the century rule", () => {
    const gtin = "0109506000134352"
    expect(parse(`${gtin}17251200`).errors).toEqual([])
    expect(parse(`${gtin}17251331`).errors[0]).toMatch(/month 13/)
    expect(parse(`${gtin}17000229`).errors).toEqual([])
    expect(parse(`${gtin}17010229`).errors[0]).toMatch(/day 29 does not exist in 2001-02/)
    expect(parse(`${gtin}11040431`).errors[0]).toMatch(/AI \(11\).*day 31 does not exist in 2004-04/)
    expect(parse(`${gtin}13251301`).errors[0]).toMatch(/AI \(13\).*month 13/)
    expect(parse(`${gtin}15250230`).errors[0]).toMatch(/AI \(15\).*day 30/)
    expect(parseElementString(`${gtin}17000229`, 2060).errors[0]).toMatch(/2100-02/)
  })

  it("checks 7003 expiry date and time", () => {
    expect(parse("010950600013435270032512312359").errors).toEqual([])
    expect(parse("010950600013435270032512312460").errors[0]).toMatch(/AI \(7003\).*hour 24/)
  })

  it("checks character sets: N, X (CSET 82), Y (CSET 39)", () => {
    expect(parse("0109506000134352 10AB C".replace(" ", "")).errors[0]).toMatch(/AI \(10\).*CSET 82/)
    expect(parse("01095060001343521011").errors).toEqual([])
    expect(parse(`0109506000134352${GS}30A1`).errors[0]).toMatch(/AI \(30\).*digits/)
    expect(parse("80100950ABC#-/12").errors).toEqual([])
    expect(parse("80100950abc").errors[0]).toMatch(/CSET 39/)
    expect(parse("8004095060001A-1").errors).toEqual([])
    expect(parse("0109506000134352 8200https://example.com/p".replace(" ", "")).errors).toEqual([])
  })

  it("names a missing separator, a bad length, a truncated string and an unknown AI", () => {
    expect(parse(`0109506000134352${"10"}${"A".repeat(25)}`).errors[0]).toMatch(/more than 20: missing GS separator/)
    expect(parse("01095060001343").errors).toEqual(["AI (01) needs 14 characters, got 12"])
    expect(parse(`010950600013${GS}4352`).errors[0]).toBe("AI (01) needs 14 characters, got 10")
    expect(parse("9").errors[0]).toMatch(/unknown AI/)
    expect(parse("2399").errors[0]).toMatch(/unknown AI at position 0: "2399"/)
    expect(parse(`10${GS}`).errors).toEqual(["AI (10) has no value"])
    expect(parse(`${GS}${GS}`).errors).toEqual(["empty element string at position 1"])
  })

  it("rejects an AI repeated with a different value", () => {
    expect(parse(`0109506000134352${"10"}A${GS}10B`).errors).toEqual(["AI (10) appears twice with different values"])
  })
})

describe("GS1 century rule (GenSpecs 7.12)", () => {
  it("puts YY within -49..+50 years of the reference year", () => {
    expect(gs1FullYear(25, 2025)).toBe(2025)
    expect(gs1FullYear(75, 2025)).toBe(2075)
    expect(gs1FullYear(76, 2025)).toBe(1976)
    expect(gs1FullYear(99, 2001)).toBe(1999)
    expect(gs1FullYear(0, 2051)).toBe(2100)
    expect(gs1FullYear(48, 2098)).toBe(2148)
    expect(gs1FullYear(49, 2098)).toBe(2049)
  })
})

describe("linters", () => {
  it("checks the GMN alphanumeric check pair (GenSpecs 7.9.5 example)", () => {
    expect(gs1LinterProblem("csumalpha", "1987654Ad4X4bL5ttr2310c2K", 2025)).toBeUndefined()
    expect(gs1LinterProblem("csumalpha", "1987654Ad4X4bL5ttr2310c2L", 2025)).toMatch(/should be 2K/)
  })

  it("checks an IBAN with ISO 13616 mod 97", () => {
    expect(gs1LinterProblem("iban", "GB82WEST12345698765432", 2025)).toBeUndefined()
    expect(gs1LinterProblem("iban", "GB82WEST12345698765433", 2025)).toMatch(/mod 97/)
  })
})
