import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { identifyScan } from "../identify.ts"
import { trackingCandidates, trackingUrlFor } from "../trackingNumber.ts"
import { weightedSumModulo } from "./checkDigits.ts"

const fedexWeights = [3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1]
const fedexStation = { expect: "tracking", carriers: ["fedex"] } as const
const remainder = (digits: string) => [...digits].reduce((sum, d, i) => sum + Number(d) * fedexWeights[i]!, 0) % 11

/** Forms added from public carrier documents (sources in packbench-formats.json); numbers made up for Packbench. */
describe("carrier forms added from public documents", () => {
  it("reads Amazon Logistics' Canadian and Mexican TBC and TBM numbers beside the US TBA, with Amazon's tracking page", () => {
    for (const raw of ["TBC 123 456 789 012", "tbm000012345678"]) {
      expect(identifyScan(raw)).toMatchObject({
        kind: "tracking",
        valid: true,
        carrier: "amazon",
        format: "amazon_logistics_tbc_tbm",
        checkDigit: "none",
        trackingUrl: `https://track.amazon.com/tracking/${raw.replace(/ /g, "").toUpperCase()}`
      })
    }
    expect(identifyScan("TBA502887274000")).toMatchObject({ carrier: "amazon", format: "amazon_logistics" })
    expect(identifyScan("TBD123456789012").kind).not.toBe("tracking")
    expect(identifyScan("TBC12345678901").kind).not.toBe("tracking")
  })

  it("gives Landmark Global's tracking page, which takes its own number or the end carrier's", () => {
    expect(trackingUrlFor("landmark-global", "LTN 1")).toBe("https://track.landmarkglobal.com/?trck=LTN%201")
  })

  it("marks Canada Post's and Purolator's numbers as accepted without a verified check digit", () => {
    expect(identifyScan("7000 1111 2222 3333", { carriers: ["canada-post"] })).toMatchObject({
      carrier: "canada-post",
      checkDigit: "none",
      checkDigitNotVerified: expect.stringMatching(/^check digit not verified: .*MOD 10/)
    })
    expect(identifyScan("ABC 123 456 789", { carriers: ["purolator"] })).toMatchObject({
      carrier: "purolator",
      checkDigitNotVerified: expect.stringMatching(/^check digit not verified/)
    })
    // A carrier whose check digit holds carries no such marker.
    expect(identifyScan("1Z5R89390357567127")).not.toHaveProperty("checkDigitNotVerified")
  })

  it("a 16-digit number fits Hermes and Canada Post: most likely first, by the station's carriers, else by market", () => {
    const number = "7000111122223333"
    expect(trackingCandidates(number).map((c) => c.carrier)).toEqual(expect.arrayContaining(["hermes", "canada-post"]))
    expect(identifyScan(number, { expect: "tracking" })).toMatchObject({
      carrier: "hermes",
      candidates: [expect.objectContaining({ carrier: "hermes" }), expect.objectContaining({ carrier: "canada-post" })]
    })
    const canadian = identifyScan(number, { carriers: ["canada-post", "hermes"] })
    expect(canadian).toMatchObject({ carrier: "canada-post", checkDigitNotVerified: expect.any(String) })
    expect(canadian.kind === "tracking" && canadian.candidates?.map((c) => c.carrier)).toEqual([
      "canada-post",
      "hermes"
    ])
  })

  it("property: with its check digit unverified, every 16-digit Canada Post number says so, never claiming a check", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{16}$/), (number) => {
        const result = identifyScan(number, { carriers: ["canada-post"] })
        if (result.kind !== "tracking") return
        expect(result.checkDigit).toBe("none")
        expect(result.checkDigitNotVerified).toMatch(/^check digit not verified/)
      }),
      { numRuns: 500 }
    )
  })

  it("reads FedEx's 32-digit ASTRA barcode by the Express check digit of the tracking number in positions 17-28", () => {
    expect(identifyScan("1324 3700 1585 0875 9082 8073 4370 1510")).toMatchObject({
      kind: "tracking",
      valid: true,
      carrier: "fedex",
      format: "fedex_32_astra",
      checkDigit: "ok"
    })
    // Bare digits with a failing check are claimed by no one, unless the station ships with FedEx: then refused.
    expect(identifyScan("13243700158508759082807343711510").kind).toBe("unknown")
    expect(identifyScan("13243700158508759082807343711510", { carriers: ["fedex"] })).toMatchObject({
      carrier: "fedex",
      checkDigit: "bad",
      valid: false,
      reason: expect.stringMatching(/should be 0/)
    })
  })

  it("property: one digit of the ASTRA barcode's tracking number changed is refused (but where FedEx's mod 11 cannot tell)", () => {
    const digits = (n: number) => fc.stringMatching(new RegExp(`^\\d{${n}}$`))
    fc.assert(
      fc.property(
        digits(16),
        digits(11),
        digits(4),
        fc.nat(10),
        fc.integer({ min: 1, max: 9 }),
        (head, serial, tail, at, by) => {
          const tracking = `${serial}${weightedSumModulo(serial, fedexWeights, 11, 10)}`
          expect(identifyScan(`${head}${tracking}${tail}`, fedexStation)).toMatchObject({
            format: "fedex_32_astra",
            checkDigit: "ok"
          })
          const changedSerial = `${serial.slice(0, at)}${(Number(serial[at]) + by) % 10}${serial.slice(at + 1)}`
          const changed = identifyScan(`${head}${changedSerial}${tracking.at(-1)}${tail}`, fedexStation)
          const blind = [remainder(serial), remainder(changedSerial)].sort((a, b) => a - b).join(",") === "0,10"
          if (!blind)
            expect(changed.kind === "tracking" && changed.format === "fedex_32_astra" && changed.valid).toBe(false)
        }
      ),
      { numRuns: 1000 }
    )
  })
})
