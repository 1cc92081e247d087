import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { identifyScan } from "../identify.ts"
import { trackingCandidates, trackingUrlFor } from "../trackingNumber.ts"

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
})
