import { describe, expect, it } from "vitest"
import { identifyScan } from "./identify.ts"
import { encodeS10 } from "./trackingNumber.ts"

/** Changes the check digit (the last character, or the one before the country code of an S10). */
const tweak = (n: string): string => {
  if (/^[A-Z]{2}\d{9}[A-Z]{2}$/.test(n)) return `${n.slice(0, 10)}${(Number(n[10]) + 1) % 10}${n.slice(11)}`
  const last = n.at(-1)!
  const flipped = /\d/.test(last) ? String((Number(last) + 1) % 10) : last === "A" ? "B" : "A"
  return n.slice(0, -1) + flipped
}

// Valid numbers from the public test data of jkeen/tracking_number_data (couriers/*.json).
const valid: ReadonlyArray<readonly [string, string, "ok" | "none"]> = [
  ["ups", "1Z5R89390357567127", "ok"],
  ["ups", "1Z879E930346834440", "ok"],
  ["ups", "1Z410E7W0392751591", "ok"],
  ["ups", "1Z8V92A70367203024", "ok"],
  ["fedex", "1001921334250001000300779017972697", "ok"],
  ["fedex", "568283610012000", "ok"],
  ["fedex", "041441760228964", "ok"],
  ["fedex", "9611020987654312345672", "ok"],
  ["fedex", "9622001560001234567100794808390594", "ok"],
  ["fedex", "61299998820821171811", "ok"],
  ["usps", "9400111201080805483016", "ok"],
  ["usps", "9361289878700317633795", "ok"],
  ["usps", "92748931507708513018050063", "ok"],
  ["usps", "42022153910102683733100003952 1".replace(" ", ""), "ok"],
  ["usps", "4201002334249200190132607600833457", "ok"],
  ["usps", "03071790000523483741", "ok"],
  ["usps", "71123456789123456787", "ok"],
  ["dhl", "3318810025", "ok"],
  ["dhl", "8487135506", "ok"],
  ["dpd", "008182709980000020033350276C", "ok"],
  ["dpd", "008182709980000020045327276N", "ok"],
  ["amazon", "TBA502887274000", "none"],
  ["postnl", "3SABCD123456789", "none"],
  ["dhl-paket", "JJD000390007825456789", "none"],
  ["royal-mail", "AA473124829GB", "ok"],
  ["deutsche-post", "RR123456785DE", "ok"],
  ["usps", "EA123456785US", "ok"],
  ["s10", "CP123456785FR", "ok"]
]

describe("tracking numbers", () => {
  it.each(valid)("%s %s is recognised with its check digit", (carrier, n, checkDigit) => {
    expect(identifyScan(n)).toEqual({ input: n, kind: "tracking", valid: true, carrier, checkDigit })
  })

  it.each(valid.filter(([, , c]) => c === "ok"))("%s %s with a tweaked check digit fails", (carrier, n) => {
    const result = identifyScan(tweak(n))
    // 20-digit USPS and FedEx SmartPost numbers share one shape; three check variants cover 3 in 10
    // numbers, so a tweak may land on the other family, but never on the same carrier as valid.
    if (n.length === 20) expect(result.kind === "tracking" && result.valid && result.carrier === carrier).toBe(false)
    else expect(result).toMatchObject({ valid: false })
    if (result.kind === "tracking" && n.length !== 20) expect(result.checkDigit).toBe("bad")
  })

  it("computes the S10 check digit with weights 8 6 4 2 3 5 9 7 and the 10->0, 11->5 rule", () => {
    expect(encodeS10("AA", "47312482", "GB")).toBe("AA473124829GB")
    expect(encodeS10("RR", "00000000", "DE")).toBe("RR000000005DE")
    expect(encodeS10("RR", "00000001", "DE").slice(10, 11)).toBe("4")
  })

  it("gives a valid GTIN-12 precedence over a FedEx 12 number unless the station expects tracking", () => {
    // 036000291452 is a valid UPC-A; find how FedEx sees it to know what expect: tracking must do.
    expect(identifyScan("036000291452").kind).toBe("gtin")
    expect(identifyScan("986578788855")).toMatchObject({ kind: "gtin", valid: false })
    expect(identifyScan("986578788855", { expect: "tracking" })).toMatchObject({ kind: "tracking", carrier: "fedex" })
  })

  it("does not claim a carrier it cannot tell apart", () => {
    expect(identifyScan("00340434161094042557", { expect: "tracking" }).kind).toBe("sscc")
    expect(identifyScan("00340434161094042557", { carriers: ["dhl-paket"] }).kind).toBe("sscc")
    expect(identifyScan("00340434161094042557", { expect: "tracking", carriers: ["dhl-paket"] })).toMatchObject({
      kind: "tracking",
      carrier: "dhl-paket",
      checkDigit: "ok"
    })
    const twelve = identifyScan("123456789013", { expect: "tracking", carriers: ["gls", "dhl-paket"] })
    expect(twelve).toMatchObject({ kind: "gtin", valid: false })
    const sixteen = identifyScan("9234567890123456", { carriers: ["hermes", "gls"] })
    expect(sixteen).toMatchObject({ kind: "tracking", carrier: "hermes", checkDigit: "none" })
    expect(identifyScan("12345678901", { carriers: ["gls"] })).toMatchObject({ carrier: "gls", checkDigit: "none" })
    expect(identifyScan("12345678901")).toMatchObject({ kind: "unknown" })
  })
})
