import { describe, expect, it } from "vitest"
import { identifyScan } from "./identify.ts"
import { encodeS10, trackingUrlFor } from "./trackingNumber.ts"

describe("tracking numbers in identifyScan", () => {
  it("normalises spaces, dashes, dots and lower case, and reports the compact number", () => {
    for (const raw of ["1z5r 8939 0357 5671 27", "1Z-5R8-939-035-756-712-7", " 1Z5R89390357567127"]) {
      expect(identifyScan(raw)).toMatchObject({
        kind: "tracking",
        valid: true,
        carrier: "ups",
        checkDigit: "ok",
        number: "1Z5R89390357567127"
      })
    }
    expect(identifyScan("rr 123 456 785 de")).toMatchObject({ carrier: "deutsche-post", number: "RR123456785DE" })
  })

  it("gives each carrier's tracking page for the number", () => {
    expect(identifyScan("1Z5R89390357567127")).toMatchObject({
      trackingUrl: "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=1Z5R89390357567127"
    })
    expect(trackingUrlFor("dhl-paket", "00340434161094042557")).toContain("piececode=00340434161094042557")
    expect(trackingUrlFor("s10", "RB123456785AF")).toBeUndefined()
  })

  it("names the post of an S10 number's country, EMS from France as Chronopost, and refuses unknown countries", () => {
    expect(identifyScan(encodeS10("CP", "12345678", "FR"))).toMatchObject({ carrier: "la-poste", country: "FR" })
    expect(identifyScan(encodeS10("EE", "12345678", "FR"))).toMatchObject({ carrier: "chronopost" })
    expect(identifyScan(encodeS10("RR", "12345678", "AF"))).toMatchObject({ carrier: "s10", post: "Afghan Post" })
    expect(identifyScan(encodeS10("RR", "12345678", "XX")).kind).toBe("unknown")
  })

  it("computes the S10 check digit with weights 8 6 4 2 3 5 9 7 and the 10->0, 11->5 rule", () => {
    expect(encodeS10("AA", "47312482", "GB")).toBe("AA473124829GB")
    expect(encodeS10("RR", "00000000", "DE")).toBe("RR000000005DE")
    expect(encodeS10("RR", "00000001", "DE").slice(10, 11)).toBe("4")
  })

  it("never accepts a number whose check digit fails, and says which digit it should be", () => {
    expect(identifyScan("1Z5R89390357567128")).toMatchObject({
      kind: "tracking",
      valid: false,
      carrier: "ups",
      checkDigit: "bad",
      reason: "UPS ups check digit does not hold: it should be 7"
    })
    // A FedEx 12 with a wrong check digit is not taken for a GLS or Hermes number that has none, unless named.
    expect(identifyScan("996578788855", { expect: "tracking" })).toMatchObject({ valid: false })
    expect(identifyScan("996578788855", { expect: "tracking", carriers: ["gls"] })).toMatchObject({
      carrier: "gls",
      checkDigit: "none"
    })
  })

  it("gives a valid GTIN precedence over a tracking number of the same length unless the station expects tracking", () => {
    expect(identifyScan("036000291452").kind).toBe("gtin")
    // Not a valid UPC-A, but a valid FedEx Express 12: the carrier's check digit holds, so it is a FedEx number.
    expect(identifyScan("986578788855")).toMatchObject({ kind: "tracking", carrier: "fedex", checkDigit: "ok" })
    expect(identifyScan("4006381333931", { expect: "tracking", carriers: ["gls"] })).toMatchObject({ kind: "gtin" })
  })

  it("lists every carrier whose format and check digit fit, most likely first, or the station's own first", () => {
    const nve = "00340434161094042557"
    expect(identifyScan(nve).kind).toBe("sscc")
    expect(identifyScan(nve, { expect: "tracking" })).toMatchObject({
      kind: "tracking",
      carrier: "dhl-paket",
      candidates: [
        { carrier: "dhl-paket", format: "dhl_paket_nve", checkDigit: "ok" },
        { carrier: "usps", format: "usps_20", checkDigit: "ok" }
      ]
    })
    expect(identifyScan(nve, { expect: "tracking", carriers: ["usps", "dhl-paket"] })).toMatchObject({
      carrier: "usps",
      candidates: [{ carrier: "usps" }, { carrier: "dhl-paket" }]
    })
    expect(identifyScan(nve, { expect: "tracking", carriers: ["dhl-paket"] })).not.toHaveProperty("candidates")
  })

  it("claims bare-digit formats without a check digit only for the station's carriers", () => {
    expect(identifyScan("12345678901")).toMatchObject({ kind: "unknown" })
    expect(identifyScan("12345678901", { carriers: ["gls"] })).toMatchObject({ carrier: "gls", checkDigit: "none" })
    expect(identifyScan("9234567890123456", { carriers: ["hermes", "gls"] })).toMatchObject({
      kind: "tracking",
      carrier: "hermes",
      checkDigit: "none"
    })
    expect(identifyScan("123456789013", { expect: "tracking", carriers: ["inpost"] })).toMatchObject({ kind: "gtin" })
  })

  it("recognises the carriers the first release missed, with spaces as printed (numbers made up for Packbench)", () => {
    expect(identifyScan("LX 123 45678")).toMatchObject({ carrier: "lasership", checkDigit: "none" })
    // OnTrac C: mod 10 weighted 1, 2 over "4" and the 13 digits after the C (the data set's rule) gives 6.
    expect(identifyScan("C 123 45 678 90123 6")).toMatchObject({ carrier: "ontrac", checkDigit: "ok" })
    expect(identifyScan("C 123 45 678 90123 7")).toMatchObject({ carrier: "ontrac", checkDigit: "bad", valid: false })
    expect(identifyScan("ABC 123 456 789", { carriers: ["purolator"] })).toMatchObject({ carrier: "purolator" })
    expect(identifyScan("JJD 0002 1234 5678 9012")).toMatchObject({ carrier: "yodel" })
    expect(identifyScan("YT 1234 5678 9012 3456")).toMatchObject({ carrier: "yunexpress" })
    expect(identifyScan("SP 0123 4567 8901 2345 67")).toMatchObject({ carrier: "speedee" })
    // Canada Post's 16-digit PIN with its mod 10 check digit (weights 3,1), as the data set now gives it.
    expect(identifyScan("7000 1111 2222 3334", { carriers: ["canada-post"] })).toMatchObject({
      carrier: "canada-post",
      checkDigit: "ok"
    })
    // DPD's 14-digit parcel number with its ISO/IEC 7064 MOD 37,36 check character, and with a wrong one.
    expect(identifyScan("0123 4567 8901 23 3", { expect: "tracking" })).toMatchObject({
      carrier: "dpd",
      format: "dpd_14",
      checkDigit: "ok"
    })
    expect(identifyScan("0123 4567 8901 23 Z", { expect: "tracking" })).toMatchObject({
      carrier: "dpd",
      checkDigit: "bad",
      valid: false
    })
  })

  it("recognises Canpar, GOFO, Old Dominion and DHL eCommerce's 14 digits from the data set, with their tracking pages", () => {
    expect(identifyScan("d576 0024 4000 0001 7180 10")).toMatchObject({
      kind: "tracking",
      valid: true,
      carrier: "canpar",
      format: "canpar_22",
      number: "D576002440000001718010",
      trackingUrl: "https://www.canpar.com/en/track/tracking.jsp?reference=D576002440000001718010&locale=en"
    })
    expect(identifyScan("GFUS 0101 1884 2144 64")).toMatchObject({
      carrier: "gofo",
      format: "gofo_us",
      trackingUrl: "https://www.gofoexpress.com/tracking.html?searchID=GFUS01011884214464"
    })
    // Old Dominion's PRO number ends in a Luhn check digit: bare digits, so taken on a holding check alone.
    expect(identifyScan("072-0956276-3")).toMatchObject({
      carrier: "old-dominion",
      format: "old_dominion",
      checkDigit: "ok",
      trackingUrl: "https://www.odfl.com/us/en/tools/trace-track-ltl-freight/trace.html?proNumbers=07209562763"
    })
    expect(identifyScan("07209562773", { carriers: ["old-dominion"] })).toMatchObject({
      carrier: "old-dominion",
      checkDigit: "bad",
      valid: false,
      reason: expect.stringMatching(/should be 1$/)
    })
    expect(identifyScan("80003280379")).toMatchObject({ carrier: "old-dominion", checkDigit: "ok" })
    // DHL eCommerce's 14 digits have no check digit: only for a station that ships with it (else a GTIN-14 or DPD's).
    expect(identifyScan("60120172242323")).toMatchObject({ kind: "gtin", valid: false })
    expect(identifyScan("5108 7693037816", { carriers: ["dhl-ecommerce"] })).toMatchObject({
      carrier: "dhl-ecommerce",
      format: "dhl_ecommerce_14",
      checkDigit: "none",
      valid: true
    })
  })

  it("reads USPS IMpb as the data set rebuilt it from Publication 199, USPS first where FedEx's 34 digits also fit", () => {
    // 420 + ZIP routing in front of an IMpb C: FedEx Express 34 is bare digits and its check happens to hold too.
    expect(identifyScan("420 10282 0000 9261 2901 1318 5417 4685 10")).toMatchObject({
      carrier: "usps",
      format: "usps_impb_c",
      checkDigit: "ok",
      candidates: [
        { carrier: "usps", format: "usps_impb_c", checkDigit: "ok" },
        { carrier: "fedex", format: "fedex_34", checkDigit: "ok" }
      ]
    })
    expect(identifyScan("9400 1112 0620 6406 2607 87")).toMatchObject({ carrier: "usps", format: "usps_impb_n" })
    // What the data set once called FedEx SmartPost (92 + 29…) is USPS IMpb C now.
    expect(identifyScan("9261292700768711948021")).toMatchObject({ carrier: "usps", format: "usps_impb_c" })
    expect(identifyScan("9261292700768711948022")).toMatchObject({ carrier: "usps", valid: false })
  })

  it("bounds what it tries: an over-long string of digits is no tracking number", () => {
    expect(identifyScan("9".repeat(60))).toMatchObject({ kind: "unknown" })
  })
})
