import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { identifyScan } from "../identify.ts"
import { trackingCandidates, trackingUrlFor } from "../trackingNumber.ts"
import { weightedMod10, weightedSumModulo } from "./checkDigits.ts"

const fedexWeights = [3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1]
const fedexStation = { expect: "tracking", carriers: ["fedex"] } as const
const remainder = (digits: string) => [...digits].reduce((sum, d, i) => sum + Number(d) * fedexWeights[i]!, 0) % 11

/**
 * Forms where Packbench's own supplement and the vendored data set meet: the data set's forms (Amazon's TBC/TBM,
 * Canada Post, Purolator, Landmark, FedEx ASTRA) replace what packbench-formats.json once said of them, with the
 * data set's check digits. Numbers are the data set's samples or made up for Packbench with the check computed.
 */
describe("carrier forms where our supplement and the data set meet", () => {
  it("reads Amazon Logistics' Canadian and Mexican TBC and TBM numbers beside the US TBA, with Amazon's tracking page", () => {
    for (const raw of ["TBC 123 456 789 012", "tbm000012345678"]) {
      expect(identifyScan(raw)).toMatchObject({
        kind: "tracking",
        valid: true,
        carrier: "amazon",
        format: "amazon_logistics",
        checkDigit: "none",
        trackingUrl: `https://track.amazon.com/tracking/${raw.replace(/ /g, "").toUpperCase()}`
      })
    }
    expect(identifyScan("TBA502887274000")).toMatchObject({ carrier: "amazon", format: "amazon_logistics" })
    expect(identifyScan("TBD123456789012").kind).not.toBe("tracking")
    expect(identifyScan("TBC12345678901").kind).not.toBe("tracking")
  })

  it("reads Landmark Global's LTN and gives the data set's tracking page for it", () => {
    expect(identifyScan("LTN 74207623 N1")).toMatchObject({
      kind: "tracking",
      valid: true,
      carrier: "landmark-global",
      format: "landmark_global",
      trackingUrl: "https://track.landmarkglobal.com/?search=LTN74207623N1"
    })
    expect(trackingUrlFor("landmark-global", "LTN 1")).toBe("https://track.landmarkglobal.com/?search=LTN%201")
  })

  it("verifies Canada Post's 16-digit PIN (mod 10, weights 3,1) and Purolator's 12-digit PIN (Luhn): no unverified marker", () => {
    expect(identifyScan("7000 1111 2222 3334", { carriers: ["canada-post"] })).toMatchObject({
      carrier: "canada-post",
      format: "canada_post",
      checkDigit: "ok",
      valid: true
    })
    expect(identifyScan("7000 1111 2222 3333", { carriers: ["canada-post"] })).toMatchObject({
      carrier: "canada-post",
      checkDigit: "bad",
      valid: false,
      reason: expect.stringMatching(/should be 4$/)
    })
    expect(identifyScan("320 595 463 938", { carriers: ["purolator"] })).toMatchObject({
      carrier: "purolator",
      format: "purolator_numeric",
      checkDigit: "ok"
    })
    expect(trackingCandidates("320595463939").find((c) => c.carrier === "purolator")).toMatchObject({
      checkDigit: "bad",
      expectedCheck: "8"
    })
    // Twelve digits whose check fails are reported as the UPC-A they might be, never accepted.
    expect(identifyScan("320595463939", { carriers: ["purolator"] }).valid).toBe(false)
    for (const raw of ["7000111122223334", "320595463938"])
      expect(identifyScan(raw)).not.toHaveProperty("checkDigitNotVerified")
  })

  it("takes Purolator's letters-and-digits PIN, which has no check digit, only for a station that ships with Purolator", () => {
    expect(identifyScan("KYV 009 956 937")).toMatchObject({ kind: "unknown" })
    const named = identifyScan("KYV 009 956 937", { carriers: ["purolator"] })
    expect(named).toMatchObject({ carrier: "purolator", format: "purolator_alpha", checkDigit: "none", valid: true })
    expect(named).not.toHaveProperty("checkDigitNotVerified")
  })

  it("a 16-digit number fits Hermes and Canada Post: the check digit decides, then the station's carriers", () => {
    const canadian = "0073938000549297"
    expect(trackingCandidates(canadian).map((c) => [c.carrier, c.checkDigit])).toEqual([
      ["hermes", "none"],
      ["canada-post", "ok"]
    ])
    // Canada Post's check digit holds: a format whose check holds wins over one without.
    expect(identifyScan(canadian, { expect: "tracking" })).toMatchObject({ carrier: "canada-post", checkDigit: "ok" })
    // A station shipping only with Hermes does not take it for Canada Post.
    expect(identifyScan(canadian, { carriers: ["hermes"] })).toMatchObject({ carrier: "hermes", checkDigit: "none" })
    // Canada Post's check fails: never accepted, so a Hermes number counts only where the station ships with Hermes.
    const hermes = "1030012345678901"
    expect(identifyScan(hermes, { expect: "tracking" })).toMatchObject({ carrier: "canada-post", valid: false })
    expect(identifyScan(hermes, { carriers: ["canada-post", "hermes"] })).toMatchObject({
      carrier: "hermes",
      checkDigit: "none",
      valid: true
    })
  })

  it("property: a 16-digit Canada Post number is taken only with its check digit holding, and one digit changed is refused", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{15}$/), fc.nat(15), fc.integer({ min: 1, max: 9 }), (serial, at, by) => {
        const number = `${serial}${weightedMod10(serial, 3, 1, false)}`
        expect(identifyScan(number, { carriers: ["canada-post"] })).toMatchObject({
          carrier: "canada-post",
          checkDigit: "ok",
          valid: true
        })
        const changed = `${number.slice(0, at)}${(Number(number[at]) + by) % 10}${number.slice(at + 1)}`
        // Refused as Canada Post (16 digits starting 01 or 02 may still be a GS1 element string with a GTIN).
        const result = identifyScan(changed, { carriers: ["canada-post"] })
        if (result.kind === "tracking")
          expect(result).toMatchObject({ carrier: "canada-post", checkDigit: "bad", valid: false })
        else expect(result.kind === "gs1" && /^0[12]/.test(changed)).toBe(result.valid)
        expect(result).not.toHaveProperty("checkDigitNotVerified")
      }),
      { numRuns: 500 }
    )
  })

  it("reads FedEx's 32-digit ASTRA barcode (the data set's: a 3, then the Express number in positions 17-28)", () => {
    expect(identifyScan("3 29715 145 6010244 784917580286 2014")).toMatchObject({
      kind: "tracking",
      valid: true,
      carrier: "fedex",
      format: "fedex_astra_32",
      checkDigit: "ok"
    })
    // Our own reading took any 32 digits; the data set's samples all start with 3, and so does its pattern now.
    expect(trackingCandidates("13243700158508759082807343701510")).toEqual([])
    // Bare digits with a failing check are claimed by no one, unless the station ships with FedEx: then refused.
    expect(identifyScan("32971514560102447849175802852014").kind).toBe("unknown")
    expect(identifyScan("32971514560102447849175802852014", { carriers: ["fedex"] })).toMatchObject({
      carrier: "fedex",
      checkDigit: "bad",
      valid: false,
      reason: expect.stringMatching(/should be 6/)
    })
  })

  it("property: one digit of the ASTRA barcode's tracking number changed is refused (but where FedEx's mod 11 cannot tell)", () => {
    const digits = (n: number) => fc.stringMatching(new RegExp(`^\\d{${n}}$`))
    fc.assert(
      fc.property(
        digits(15).map((rest) => `3${rest}`),
        digits(11),
        digits(4),
        fc.nat(10),
        fc.integer({ min: 1, max: 9 }),
        (head, serial, tail, at, by) => {
          const tracking = `${serial}${weightedSumModulo(serial, fedexWeights, 11, 10)}`
          expect(identifyScan(`${head}${tracking}${tail}`, fedexStation)).toMatchObject({
            format: "fedex_astra_32",
            checkDigit: "ok"
          })
          const changedSerial = `${serial.slice(0, at)}${(Number(serial[at]) + by) % 10}${serial.slice(at + 1)}`
          const changed = identifyScan(`${head}${changedSerial}${tracking.at(-1)}${tail}`, fedexStation)
          const blind = [remainder(serial), remainder(changedSerial)].sort((a, b) => a - b).join(",") === "0,10"
          if (!blind)
            expect(changed.kind === "tracking" && changed.format === "fedex_astra_32" && changed.valid).toBe(false)
        }
      ),
      { numRuns: 1000 }
    )
  })
})
