import { describe, expect, it } from "vitest"
import { dhlCheckDigit, hasValidDhlCheckDigit, identcodeFor, leitcodeFor } from "./DhlCodes.ts"

describe("DHL Leitcode and Identcode", () => {
  it("computes the check digit with weights 4 and 9 from the left", () => {
    // 2+1+1+9+1+3+0 = 17 at odd positions, 1+0+5+9+2+0 = 17 at even: 4*17 + 9*17 = 221, check (10 - 1) % 10 = 9.
    expect(dhlCheckDigit("2110159912300")).toBe(9)
    // Worked by hand the same way: 5+3+0+2+4+6 = 20, 6+1+1+3+5 = 16; 80 + 144 = 224 -> 6.
    expect(dhlCheckDigit("56310123456")).toBe(6)
    expect(dhlCheckDigit("00000000000")).toBe(0)
    expect(() => dhlCheckDigit("12a")).toThrow(RangeError)
  })

  it("codes Packstations and Postfilialen, and nothing it would have to guess", () => {
    const packstation = leitcodeFor({ country: "DE", postalCode: "20095", street1: "Packstation 123" })
    expect(packstation).toMatch(/^2009599412300\d$/)
    expect(hasValidDhlCheckDigit(packstation!, 14)).toBe(true)
    expect(leitcodeFor({ country: "DE", postalCode: "10115", street1: "Postfiliale 512" })).toMatch(/^1011599351200\d$/)
    expect(leitcodeFor({ country: "DE", postalCode: "10115", street1: "Hauptstraße 12" })).toBeUndefined()
    expect(leitcodeFor({ country: "AT", postalCode: "1070", street1: "Packstation 1" })).toBeUndefined()
    expect(leitcodeFor({ country: "DE", postalCode: "2009", street1: "Packstation 1" })).toBeUndefined()
    expect(leitcodeFor({ country: "DE", postalCode: "20095", street1: "Packstation 1234" })).toBeUndefined()
  })

  it("numbers an Identcode from the station's serial, check digit included", () => {
    const code = identcodeFor({ parcelCentre: "56", customer: "310" }, 123_456)
    expect(code).toBe("563101234566")
    expect(hasValidDhlCheckDigit(code, 12)).toBe(true)
    expect(identcodeFor({ parcelCentre: "56", customer: "310" }, 1_123_456)).toBe("563101234566")
    for (let serial = 100_000; serial < 100_050; serial++) {
      const valid = identcodeFor({ parcelCentre: "56", customer: "310" }, serial)
      expect(hasValidDhlCheckDigit(valid, 12)).toBe(true)
      const wrong = `${valid.slice(0, -1)}${(Number(valid.at(-1)) + 1) % 10}`
      expect(hasValidDhlCheckDigit(wrong, 12)).toBe(false)
    }
    expect(() => identcodeFor({ parcelCentre: "5", customer: "310" }, 1)).toThrow(RangeError)
  })
})
