import { describe, expect, it } from "vitest"
import { parseMtSicsLine } from "./MtSics.ts"

describe("parseMtSicsLine", () => {
  it("reads stable and dynamic weights in every unit as grams", () => {
    expect(parseMtSicsLine("S S      1.234 kg")).toEqual({
      _tag: "Weight",
      stable: true,
      grams: 1234,
      value: "1.234",
      unit: "kg"
    })
    expect(parseMtSicsLine("S D    812.5 g")).toMatchObject({ stable: false, grams: 812.5 })
    expect(parseMtSicsLine("S S      2.000 lb")).toMatchObject({ stable: true, grams: 907.2 })
    expect(parseMtSicsLine("S S      16.00 oz")).toMatchObject({ grams: 453.6 })
    expect(parseMtSicsLine("S S     -0.012 kg")).toMatchObject({ grams: -12 })
    expect(parseMtSicsLine("S S   1500 mg")).toMatchObject({ grams: 1.5 })
  })

  it("names overload, underload, busy and the error codes in words", () => {
    expect(parseMtSicsLine("S +")).toMatchObject({ _tag: "Fault", reason: expect.stringContaining("overloaded") })
    expect(parseMtSicsLine("S -")).toMatchObject({ _tag: "Fault", reason: expect.stringContaining("underload") })
    expect(parseMtSicsLine("S I")).toMatchObject({ _tag: "Fault", reason: expect.stringContaining("busy") })
    expect(parseMtSicsLine("ES")).toMatchObject({ _tag: "Fault", reason: expect.stringContaining("syntax error") })
    expect(parseMtSicsLine("ET")).toMatchObject({ _tag: "Fault", reason: expect.stringContaining("baud rate") })
    expect(parseMtSicsLine("EL")).toMatchObject({ _tag: "Fault", reason: expect.stringContaining("logical error") })
  })

  it("quotes garbage with its control bytes made visible, and refuses units it cannot convert", () => {
    const garbage = parseMtSicsLine("\u00ff\u0013x?!S S")
    expect(garbage._tag).toBe("Fault")
    expect(garbage._tag === "Fault" && garbage.reason).toContain('not an MT-SICS reply: "\\xff\\x13x?!S S"')
    expect(parseMtSicsLine("S S      1.000 ct")).toMatchObject({
      _tag: "Fault",
      reason: expect.stringContaining('"ct"')
    })
  })

  it("passes over replies to commands the driver did not ask about", () => {
    expect(parseMtSicsLine('I4 A "0123456789"')).toEqual({ _tag: "Other", line: 'I4 A "0123456789"' })
  })
})
