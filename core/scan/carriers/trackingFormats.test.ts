import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { identifyScan } from "../identify.ts"
import {
  type CarrierId,
  carrierIds,
  carrierInfo,
  normaliseTrackingNumber,
  trackingCandidates
} from "../trackingNumber.ts"
import { allFormats, compactPattern, readSources, renderTrackingFormats } from "./generate.mjs"
import { s10Countries, trackingFormats } from "./trackingFormats.generated.ts"

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url))
const sources = readSources()
const formats = allFormats(sources.dataCouriers, sources.packbench)

/**
 * Sample numbers of every format: for the formats of the open data set tracking_number_data (MIT, the unmodified copy
 * in tracking_number_data/, read afresh on every run so a data update is tested as it lands), its `test_numbers`,
 * collected from carrier documentation and real labels; for packbench-formats.json, numbers made up for Packbench
 * with computed check digits. Every valid one is recognised with a holding check digit, every invalid one is not
 * taken for its format.
 */
const samples = formats.flatMap((f) => f.valid.map((raw) => [f.id, f.carrier, raw, f.checksum !== null] as const))
const badSamples = formats.flatMap((f) => f.invalid.map((raw) => [f.id, raw, f.checksum !== null] as const))

describe("trackingFormats.generated.ts", () => {
  it("is what generate.mjs makes from the vendored data set and our supplement (re-run the generator if this fails)", () => {
    expect(readFileSync(here("./trackingFormats.generated.ts"), "utf8")).toBe(
      renderTrackingFormats(sources.dataCouriers, sources.packbench)
    )
  })

  it("takes the data set's whitespace and dashes out of patterns, not character classes", () => {
    expect(compactPattern("\\s*1\\s*Z\\s*(?<X>[A-Z0-9\\s]{2})-\\s*1")).toBe("1Z(?<X>[A-Z0-9\\s]{2})1")
  })

  it("has every carrier the issue names, the UPU country table, and no format without samples", () => {
    for (const carrier of ["dhl", "dhl-paket", "dhl-ecommerce", "deutsche-post", "dpd", "gls", "hermes", "evri", "ups"])
      expect(carrierIds).toContain(carrier)
    for (const carrier of ["fedex", "usps", "amazon", "ontrac", "lasership", "purolator", "canada-post", "royal-mail"])
      expect(carrierIds).toContain(carrier)
    for (const carrier of ["yodel", "postnl", "bpost", "la-poste", "chronopost", "poste-italiane", "correos", "inpost"])
      expect(carrierIds).toContain(carrier)
    for (const carrier of ["swiss-post", "austrian-post", "yunexpress", "cainiao", "canpar", "gofo", "old-dominion"])
      expect(carrierIds).toContain(carrier)
    for (const country of ["DE", "AT", "CH", "NL", "BE", "FR", "IT", "ES", "PL", "GB", "US", "CA", "CN"])
      expect(s10Countries[country], country).toBeDefined()
    expect(Object.keys(s10Countries).length).toBeGreaterThan(150)
    const fromData = formats.filter((f) => f.source === "tracking_number_data")
    expect(fromData.length).toBeGreaterThanOrEqual(36)
    for (const format of ["canpar_22", "gofo_us", "old_dominion", "dhl_ecommerce_14", "canada_post", "landmark_global"])
      expect(fromData.map((f) => f.id)).toContain(format)
    for (const f of formats) expect(f.valid.length, f.id).toBeGreaterThan(0)
    for (const f of formats.filter((f) => f.checksum !== null)) expect(f.invalid.length, f.id).toBeGreaterThan(0)
    expect(trackingFormats.map((f) => f.id)).toEqual(formats.map((f) => f.id))
  })

  it.each(samples)("%s (%s): published sample %j is recognised, its check digit holding", (format, _, raw, checked) => {
    const found = trackingCandidates(normaliseTrackingNumber(raw)).find((c) => c.format === format)
    expect(found?.checkDigit).toBe(checked ? "ok" : "none")
  })

  it.each(badSamples)("%s: published invalid sample %j is not taken for it", (format, raw) => {
    const found = trackingCandidates(normaliseTrackingNumber(raw)).find((c) => c.format === format)
    expect(found === undefined || found.checkDigit === "bad").toBe(true)
  })

  it.each(samples)("%s (%s): identifyScan of %j for a station that ships with it", (format, carrier, raw, checked) => {
    // An S10 number belongs to the post of its country code; a station naming "s10" takes every post's.
    const issuer = trackingCandidates(normaliseTrackingNumber(raw)).find((c) => c.format === format)!.carrier
    const result = identifyScan(raw, { expect: "tracking", carriers: [carrier as CarrierId] })
    expect(result).toMatchObject({
      kind: "tracking",
      valid: true,
      carrier: issuer,
      number: normaliseTrackingNumber(raw),
      // Every carrier has its tracking page but the S10 posts without one of their own.
      ...(carrierInfo[issuer].trackingUrl === null ? {} : { trackingUrl: expect.stringMatching(/^https:\/\//) }),
      ...(checked ? { checkDigit: "ok" } : {})
    })
    expect(result).not.toHaveProperty("checkDigitNotVerified")
  })

  it.each(badSamples)(
    "%s: published invalid sample %j is not accepted as it by a station that ships with it",
    (format, raw) => {
      const carrier = formats.find((f) => f.id === format)!.carrier as CarrierId
      const result = identifyScan(raw, { expect: "tracking", carriers: [carrier] })
      expect(result.valid && result.kind === "tracking" && result.format === format).toBe(false)
    }
  )

  it("claims nothing twice: no format of our supplement matches a data set sample of the same carrier", () => {
    const ours = trackingFormats.filter((f) => f.source === "packbench")
    const overlaps = formats
      .filter((f) => f.source === "tracking_number_data")
      .flatMap((f) =>
        f.valid.flatMap((raw) =>
          ours
            .filter((o) => o.carrier === f.carrier && o.pattern.test(normaliseTrackingNumber(raw)))
            .map((o) => `${o.id} matches ${f.id} sample ${raw}`)
        )
      )
    expect(overlaps).toEqual([])
  })

  it("accepts no distinctive data set sample as another carrier when the station names none", () => {
    // Formats with a prefix of their own are claimed on sight; bare-digit forms wait for a holding check digit or the
    // station's carriers, and where several check digits hold the market order decides (listed in `candidates`).
    const wrong = formats
      .filter((f) => f.source === "tracking_number_data" && f.distinctive)
      .flatMap((f) =>
        f.valid.flatMap((raw) => {
          const result = identifyScan(raw)
          const issuer = trackingCandidates(normaliseTrackingNumber(raw)).find((c) => c.format === f.id)!.carrier
          return result.kind === "tracking" && result.valid && result.carrier === issuer ? [] : [`${f.id} ${raw}`]
        })
      )
    expect(wrong).toEqual([])
  })

  it.each(samples.filter(([, , , checked]) => checked))(
    "%s (%s): %j with its check digit changed is refused",
    (format, _, raw) => {
      const n = normaliseTrackingNumber(raw)
      const definition = trackingFormats.find((f) => f.id === format)!
      // Where the pattern puts the check digit (regexp match indices), wherever in the number that is.
      const position = new RegExp(definition.pattern.source, "d").exec(n)!.indices!.groups!.CheckDigit![0]
      for (const replacement of "0123456789") {
        if (replacement === n[position]) continue
        const tweaked = `${n.slice(0, position)}${replacement}${n.slice(position + 1)}`
        const again = trackingCandidates(tweaked).find((c) => c.format === format)
        expect(again?.checkDigit, tweaked).not.toBe("ok")
      }
    }
  )
})
