import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { s10Countries } from "./carriers/trackingFormats.generated.ts"
import { associationProblems } from "./gs1/aiAssociations.ts"
import { aiTable } from "./gs1/aiTable.generated.ts"
import { gs1CheckDigit } from "./gs1CheckDigit.ts"
import { identifyScan } from "./identify.ts"
import { encodePackbenchCode, packbenchCodeTypes } from "./PackbenchCode.ts"
import { scanKinds } from "./ScanResult.ts"
import { encodeS10 } from "./trackingNumber.ts"

const GS = "\u001d"
const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^\\d{${min},${max}}$`))
const withCheck = (body: string) => `${body}${gs1CheckDigit(body)}`

const kinds: ReadonlyArray<string> = scanKinds

/** Plain checks rather than expect(): this runs thousands of times. */
const wellFormed = (result: ReturnType<typeof identifyScan>): boolean =>
  kinds.includes(result.kind) &&
  typeof result.valid === "boolean" &&
  (result.valid || ("reason" in result && typeof result.reason === "string" && result.reason !== "")) &&
  typeof JSON.stringify(result) === "string"

describe("identifyScan properties", () => {
  it("never throws and always gives one of the eight kinds, for any string", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 200 })), (raw) =>
        wellFormed(identifyScan(raw))
      ),
      { numRuns: 2000 }
    )
  })

  it("never throws on scan-like noise: digits, GS, AIM prefixes, URL pieces", () => {
    const piece = fc.oneof(
      digits(1, 20),
      fc.constantFrom(GS, "]C1", "]d2", "(", ")", "/", "?", "=", "%", "https://x/", "PB:", ":")
    )
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => wellFormed(identifyScan(pieces.join("")))),
      { numRuns: 2000 }
    )
  })

  it("round-trips GTINs of every length to the same GTIN-14", () => {
    fc.assert(
      fc.property(fc.constantFrom(7, 11, 12, 13), digits(13, 13), (bodyLength, seed) => {
        const gtin = withCheck(seed.slice(0, bodyLength))
        expect(identifyScan(gtin)).toEqual({ input: gtin, kind: "gtin", valid: true, gtin: gtin.padStart(14, "0") })
      }),
      { numRuns: 2000 }
    )
  })

  it("round-trips SSCCs bare, as GS1-128 and as Digital Link", () => {
    fc.assert(
      fc.property(digits(17, 17), (body) => {
        const sscc = withCheck(body)
        const ais = [{ ai: "00", value: sscc }]
        expect(identifyScan(sscc)).toMatchObject({ kind: "sscc", valid: true, ais })
        expect(identifyScan(`]C100${sscc}`)).toMatchObject({ kind: "sscc", valid: true, ais })
        expect(identifyScan(`https://id.gs1.org/00/${sscc}`)).toMatchObject({ kind: "sscc", valid: true, ais })
      }),
      { numRuns: 500 }
    )
  })

  it("round-trips S10 item ids of every country the UPU table knows, and refuses unknown country codes", () => {
    const letters = fc.stringMatching(/^[A-Z]{2}$/)
    fc.assert(
      fc.property(letters, digits(8, 8), letters, (service, serial, country) => {
        const result = identifyScan(encodeS10(service, serial, country))
        if (s10Countries[country] === undefined)
          expect(result.kind === "tracking" && result.format === "s10").toBe(false)
        else expect(result).toMatchObject({ kind: "tracking", valid: true, format: "s10", country })
      }),
      { numRuns: 2000 }
    )
  })

  it("round-trips Packbench codes", () => {
    fc.assert(
      fc.property(fc.constantFrom(...packbenchCodeTypes), fc.stringMatching(/^[A-Z0-9-]{1,32}$/), (type, id) => {
        const encoded = encodePackbenchCode(type, id)
        if (!encoded.ok) throw new Error(encoded.reason)
        expect(identifyScan(encoded.code)).toEqual({ input: encoded.code, kind: "packbench", valid: true, type, id })
      }),
      { numRuns: 2000 }
    )
  })

  it("parses GS1 strings composed from random AIs back to the same AIs", () => {
    // Values drawn to satisfy each AI's syntax: numeric AIs without linters, X-typed AIs, plus keys with check digits.
    const plainNumeric = Object.values(aiTable).filter(
      (d) => d.components.length === 1 && d.components[0]!.cset === "N" && d.components[0]!.linters.length === 0
    )
    const plainX = Object.values(aiTable).filter(
      (d) => d.components.length === 1 && d.components[0]!.cset === "X" && d.components[0]!.linters.length === 0
    )
    const element = fc.oneof(
      fc.constantFrom(...plainNumeric).chain((d) => {
        const c = d.components[0]!
        return digits(c.min, c.max).map((value) => ({ definition: d, value }))
      }),
      fc.constantFrom(...plainX).chain((d) =>
        fc.stringMatching(new RegExp(`^[A-Za-z0-9!%&'()*+,./:;<=>?_-]{1,${d.components[0]!.max}}$`)).map((value) => ({
          definition: d,
          value
        }))
      ),
      digits(13, 13).map((body) => ({ definition: aiTable["01"]!, value: withCheck(body) }))
    )
    fc.assert(
      fc.property(
        fc.uniqueArray(element, { minLength: 1, maxLength: 6, selector: (e) => e.definition.ai }),
        (elements) => {
          const data = elements.map((e) => `${e.definition.ai}${e.value}${e.definition.fixedLength ? "" : GS}`).join("")
          const result = identifyScan(`]C1${data}`)
          const ais = elements.map((e) => ({ ai: e.definition.ai, value: e.value }))
          // Random AIs may be ones the dictionary says must not appear together ("ex="): then only that is wrong.
          const pairings = associationProblems(ais, { requisites: false })
          expect(result).toMatchObject({ valid: pairings.length === 0, ais })
          if (pairings.length > 0) expect(result).toMatchObject({ errors: pairings })
        }
      ),
      { numRuns: 500 }
    )
  })
})
