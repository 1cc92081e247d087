import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type PackedItem, PackItemVerified, ParcelPacked } from "../../pack/PackEvents.ts"
import { ReturnItemGraded } from "../../returns/ReturnsEvents.ts"
import { gs1CheckDigit } from "../gs1CheckDigit.ts"
import { aiTable } from "./aiTable.generated.ts"
import { formatDigitalLink, itemDigitalLink } from "./formatDigitalLink.ts"
import { parseDigitalLink } from "./parseDigitalLink.ts"
import { type ElementString, GS, parseElementString } from "./parseElementString.ts"

const referenceYear = 2026
const digits = (length: number) => fc.stringMatching(new RegExp(`^\\d{${length}}$`))
/** GS1 prefix 950 is GS1 Global Office's: a company prefix position every linter accepts. */
const gtin = digits(9)
  .map((body) => `0950${body}`)
  .map((body) => `${body}${gs1CheckDigit(body)}`)
/** A GTIN as a catalog holds it: GTIN-8 (GS1 prefix 950), GTIN-12 (a UPC-A), GTIN-13 (950) or GTIN-14. */
const catalogGtin = fc
  .oneof(
    digits(4).map((body) => `950${body}`),
    digits(10).map((body) => `0${body}`),
    digits(9).map((body) => `950${body}`),
    digits(9).map((body) => `0950${body}`)
  )
  .map((body) => `${body}${gs1CheckDigit(body)}`)
/** GS1 CSET 82, every character of which a Digital Link value may carry once percent-encoded where needed. */
const cset82 = fc.constantFrom(..."!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
const text = (max: number) => fc.array(cset82, { minLength: 1, maxLength: max }).map((chars) => chars.join(""))
const date = fc
  .record({
    year: fc.integer({ min: 0, max: 99 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 })
  })
  .map(({ year, month, day }) => [year, month, day].map((n) => String(n).padStart(2, "0")).join(""))

/** Element strings as a GS1-128 or DataMatrix carries them: FNC1 (GS) after every variable-length value but the last. */
const elementString = (ais: ReadonlyArray<ElementString>): string =>
  ais
    .map(({ ai, value }, i) => `${ai}${value}${i < ais.length - 1 && aiTable[ai]?.fixedLength !== true ? GS : ""}`)
    .join("")

const sorted = (ais: ReadonlyArray<ElementString>) => [...ais].sort((a, b) => a.ai.localeCompare(b.ai))

describe("GS1 Digital Link properties", () => {
  it("accepts every valid GTIN-14 and refuses it with any one digit changed", () => {
    fc.assert(
      fc.property(gtin, fc.nat(13), fc.integer({ min: 1, max: 9 }), (valid, position, shift) => {
        expect(parseDigitalLink(`https://id.example/01/${valid}`, referenceYear)?.errors).toEqual([])
        const changed = `${valid.slice(0, position)}${(Number(valid[position]) + shift) % 10}${valid.slice(position + 1)}`
        const result = parseDigitalLink(`https://id.example/01/${changed}`, referenceYear)
        expect(result?.errors.some((e) => /check digit/.test(e))).toBe(true)
      }),
      { numRuns: 1000 }
    )
  })

  it("round-trips element strings through a Digital Link URI: the same AIs and values come back", () => {
    const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined })
    fc.assert(
      fc.property(
        gtin,
        optional(text(20)),
        optional(text(20)),
        optional(text(20)),
        optional(date),
        optional(digits(6)),
        (key, variant, lot, serial, expiry, netWeight) => {
          const candidates: ReadonlyArray<readonly [string, string | undefined]> = [
            ["01", key],
            ["17", expiry],
            ["3103", netWeight],
            ["22", variant],
            ["10", lot],
            ["21", serial]
          ]
          const ais = candidates.flatMap(([ai, value]) => (value === undefined ? [] : [{ ai, value }]))
          const read = parseElementString(elementString(ais), referenceYear)
          expect(read.errors).toEqual([])
          const formatted = formatDigitalLink(read.ais)
          if (!formatted.ok) throw new Error(formatted.reason)
          const link = parseDigitalLink(formatted.uri, referenceYear)
          expect(link?.errors).toEqual([])
          expect(sorted(link?.ais ?? [])).toEqual(sorted(ais))
        }
      ),
      { numRuns: 1000 }
    )
  })

  it("never throws on any http(s) address, and reads a URI with no primary key as no Digital Link", () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const result = parseDigitalLink(url, referenceYear)
        if (result !== undefined) expect(Array.isArray(result.errors)).toBe(true)
      }),
      { numRuns: 1000 }
    )
    expect(parseDigitalLink("https://shop.example/about/contact", referenceYear)).toBeUndefined()
  })
})

describe("the Digital Link URIs the station writes into EPCIS events read back", () => {
  it("pack: a serialised unit's and a lot's URI give back the GTIN and the serial or lot", () => {
    fc.assert(
      fc.property(gtin, text(20), text(20), (key, serial, lot) => {
        const item = { lineId: "L1", sku: "S", gtin: key, quantity: 1, shortShipped: 0 }
        const payload = {
          orderId: "O1",
          parcelId: "P1",
          items: [
            { ...item, serials: [serial], lots: [] },
            { ...item, lineId: "L2", quantity: 2, serials: [], lots: [{ lot, quantity: 2 }] }
          ],
          shortShips: [],
          weightGrams: 500,
          expectedWeightGrams: 500,
          boxId: "B",
          carrier: "dhl",
          trackingNumber: "T",
          packer: { badgeId: "B-1", name: "P" },
          stationId: "st"
        }
        const view = ParcelPacked.epcis!(payload)
        const [unit] = view.epcList ?? []
        const [lotClass] = view.quantityList ?? []
        expect(parseDigitalLink(unit!, referenceYear)).toEqual({
          ais: [
            { ai: "01", value: key },
            { ai: "21", value: serial }
          ],
          errors: []
        })
        expect(parseDigitalLink(lotClass!.epcClass, referenceYear)).toEqual({
          ais: [
            { ai: "01", value: key },
            { ai: "10", value: lot }
          ],
          errors: []
        })
      }),
      { numRuns: 500 }
    )
  })

  it("returns: a graded unit's URI gives back its GTIN and serial", () => {
    fc.assert(
      fc.property(gtin, text(20), (key, serial) => {
        const view = ReturnItemGraded.epcis!({
          returnId: "R1",
          itemRef: "I1",
          orderId: null,
          lineId: null,
          unit: null,
          sku: null,
          gtin: key,
          serial,
          lot: null,
          grade: "new-sealed",
          opened: false,
          declaredReason: "changed-mind",
          flags: [],
          notes: null
        })
        expect(parseDigitalLink(view.epcList![0]!, referenceYear)?.ais).toEqual([
          { ai: "01", value: key },
          { ai: "21", value: serial }
        ])
      }),
      { numRuns: 300 }
    )
  })
})

describe("the station's item URIs: GTINs as the catalog holds them, serials and lots as scanned", () => {
  /** A serial or lot the URI syntax cannot carry: longer than AI (21)'s and (10)'s 20 characters, or a space in it. */
  const uncarried = fc.oneof(
    text(20).map((value) => `${value}${"X".repeat(21 - value.length)}`),
    text(19).map((value) => `${value} `)
  )
  const packed = (items: (typeof PackedItem.Type)[]) => ({
    orderId: "O1",
    parcelId: "P1",
    items,
    shortShips: [],
    weightGrams: 500,
    expectedWeightGrams: 500,
    boxId: "B",
    carrier: "dhl",
    trackingNumber: "T",
    packer: { badgeId: "B-1", name: "P" },
    stationId: "st"
  })
  const graded = (gtin: string, serial: string | null, lot: string | null) =>
    ReturnItemGraded.epcis!({
      returnId: "R1",
      itemRef: "I1",
      orderId: null,
      lineId: null,
      unit: null,
      sku: null,
      gtin,
      serial,
      lot,
      grade: "new-sealed",
      opened: false,
      declaredReason: "changed-mind",
      flags: [],
      notes: null
    })

  it("write the GTIN-14 for a GTIN-8, -12 or -13, so the URI reads back without a problem", () => {
    fc.assert(
      fc.property(catalogGtin, text(20), text(20), (key, serial, lot) => {
        const gtin14 = key.padStart(14, "0")
        const item = { lineId: "L1", sku: "S", gtin: key, quantity: 1, shortShipped: 0, lots: [] }
        const parcel = ParcelPacked.epcis!(packed([{ ...item, serials: [serial] }]))
        expect(parseDigitalLink(parcel.epcList![0]!, referenceYear)).toEqual({
          ais: [
            { ai: "01", value: gtin14 },
            { ai: "21", value: serial }
          ],
          errors: []
        })
        const returned = graded(key, null, lot)
        expect(parseDigitalLink(returned.quantityList![0]!.epcClass, referenceYear)).toEqual({
          ais: [
            { ai: "01", value: gtin14 },
            { ai: "10", value: lot }
          ],
          errors: []
        })
        const scanned = PackItemVerified.epcis!({
          orderId: "O1",
          lineId: "L1",
          sku: "S",
          gtin: key,
          quantity: 3,
          raw: key
        })
        expect(scanned.quantityList).toEqual([{ epcClass: `https://id.gs1.org/01/${gtin14}`, quantity: 3 }])
      }),
      { numRuns: 500 }
    )
  })

  it("count a unit whose serial or lot no URI can carry under its GTIN alone, never as a broken URI", () => {
    fc.assert(
      fc.property(gtin, uncarried, text(20), (key, bad, good) => {
        const item = { lineId: "L1", sku: "S", gtin: key, shortShipped: 0 }
        const parcel = ParcelPacked.epcis!(
          packed([
            { ...item, quantity: 2, serials: [bad, good], lots: [] },
            { ...item, lineId: "L2", quantity: 3, serials: [], lots: [{ lot: bad, quantity: 2 }] }
          ])
        )
        expect(parcel.epcList).toHaveLength(1)
        expect(parseDigitalLink(parcel.epcList![0]!, referenceYear)?.ais).toEqual([
          { ai: "01", value: key },
          { ai: "21", value: good }
        ])
        // One unnamed serial, two units of the lot no URI carries and one loose unit: four of the GTIN's class.
        expect(parcel.quantityList).toEqual([{ epcClass: `https://id.gs1.org/01/${key}`, quantity: 4 }])
        expect(graded(key, bad, null).quantityList).toEqual([{ epcClass: `https://id.gs1.org/01/${key}`, quantity: 1 }])
        expect(itemDigitalLink(key, { ai: "21", value: bad })).toMatchObject({ ok: false })
      }),
      { numRuns: 300 }
    )
  })

  it("name nothing by a GTIN that is not one: a wrong check digit, letters, a wrong length", () => {
    fc.assert(
      fc.property(catalogGtin, fc.integer({ min: 1, max: 9 }), (key, shift) => {
        const last = key.length - 1
        const wrong = `${key.slice(0, last)}${(Number(key[last]) + shift) % 10}`
        for (const notGtin of [wrong, `${key}0`.slice(0, 11), `A${key.slice(1)}`, ""]) {
          expect(itemDigitalLink(notGtin)).toMatchObject({ ok: false })
          expect(graded(notGtin, "S1", null)).not.toHaveProperty("epcList")
          expect(graded(notGtin, "S1", null)).not.toHaveProperty("quantityList")
          const item = { lineId: "L1", sku: "S", gtin: notGtin, quantity: 1, shortShipped: 0, lots: [] }
          const parcel = ParcelPacked.epcis!(packed([{ ...item, serials: ["S1"] }]))
          expect(parcel.epcList).toEqual([])
          expect(parcel.quantityList).toEqual([])
        }
      }),
      { numRuns: 200 }
    )
  })
})

describe("formatDigitalLink", () => {
  it("puts the primary key and its qualifiers in the path in the standard's order and the rest in the query", () => {
    const formatted = formatDigitalLink([
      { ai: "17", value: "261231" },
      { ai: "21", value: "A/1" },
      { ai: "10", value: "L 1" },
      { ai: "01", value: "09506000134352" }
    ])
    expect(formatted).toEqual({ ok: true, uri: "https://id.gs1.org/01/09506000134352/10/L%201/21/A%2F1?17=261231" })
  })

  it("refuses what the URI syntax cannot say", () => {
    expect(formatDigitalLink([{ ai: "10", value: "A" }])).toMatchObject({ ok: false, reason: /primary key/ })
    expect(
      formatDigitalLink([
        { ai: "01", value: "09506000134352" },
        { ai: "22", value: "A" },
        { ai: "235", value: "B" }
      ])
    ).toMatchObject({ ok: false, reason: /mix alternatives/ })
    expect(
      formatDigitalLink([
        { ai: "01", value: "09506000134352" },
        { ai: "8200", value: "https://example.com" }
      ])
    ).toMatchObject({ ok: false, reason: /query attribute/ })
    expect(
      formatDigitalLink([
        { ai: "01", value: "09506000134352" },
        { ai: "17", value: "261231" },
        { ai: "17", value: "261231" }
      ])
    ).toMatchObject({ ok: false, reason: /more than once/ })
  })
})
