import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { identifyScan } from "../identify.ts"
import { aiTable } from "./aiTable.generated.ts"
import { readCodeListSources, renderCodeLists } from "./generateCodeLists.mjs"
import { iso3166Alpha2, iso3166Numeric, iso4217Numeric } from "./gs1CodeLists.generated.ts"
import { gs1LinterProblem, knownLinters } from "./gs1Linter.ts"

const GS = "\u001d"
const lint = (linter: string, value: string) => gs1LinterProblem(linter, value, 2025)

describe("GS1 syntax dictionary linters", () => {
  it("has an implementation for every linter the dictionary names", () => {
    const named = new Set(
      Object.values(aiTable).flatMap((definition) => definition.components.flatMap((c) => c.linters))
    )
    expect([...named].filter((linter) => !knownLinters.has(linter))).toEqual([])
    expect(lint("nosuchlinter", "1")).toMatch(/unknown linter/)
  })

  it("gs1CodeLists.generated.ts is what generateCodeLists.mjs makes from the pinned ISO code list packages", () => {
    const here = fileURLToPath(new URL("./gs1CodeLists.generated.ts", import.meta.url))
    expect(readFileSync(here, "utf8")).toBe(renderCodeLists(readCodeListSources()))
    expect(iso3166Numeric.size).toBeGreaterThan(240)
    expect(iso3166Alpha2.size).toBeGreaterThan(240)
    expect(iso4217Numeric.size).toBeGreaterThan(150)
    // User-assigned codes (Kosovo's XK / 983 in the country package) are no ISO 3166 assignments.
    expect(iso3166Alpha2.has("XK")).toBe(false)
    expect(iso3166Numeric.has("983")).toBe(false)
  })

  it("checks country codes: numeric, numeric or 999, alpha-2", () => {
    expect(lint("iso3166", "276")).toBeUndefined()
    expect(lint("iso3166", "999")).toMatch(/ISO 3166/)
    expect(lint("iso3166", "000")).toMatch(/ISO 3166/)
    expect(lint("iso3166999", "999")).toBeUndefined()
    expect(lint("iso3166999", "840")).toBeUndefined()
    expect(lint("iso3166alpha2", "DE")).toBeUndefined()
    expect(lint("iso3166alpha2", "XX")).toMatch(/alpha-2/)
    expect(identifyScan(`]C10109506000134352422276`)).toMatchObject({ valid: true })
    expect(identifyScan(`]C10109506000134352422999`)).toMatchObject({ valid: false, reason: /ISO 3166/ })
  })

  it("checks currencies of amounts and prices (ISO 4217)", () => {
    expect(lint("iso4217", "978")).toBeUndefined()
    expect(lint("iso4217", "840")).toBeUndefined()
    expect(lint("iso4217", "001")).toMatch(/ISO 4217/)
    expect(identifyScan(`]C1010950600013435239329781999`)).toMatchObject({ valid: true })
    expect(identifyScan(`]C1010950600013435239320011999`)).toMatchObject({ valid: false, reason: /ISO 4217/ })
  })

  it("checks that a GS1 Company Prefix can start at its position", () => {
    expect(lint("gcppos1", "0950ABC")).toBeUndefined()
    expect(lint("gcppos1", "09A0")).toMatch(/Company Prefix/)
    expect(lint("gcppos1", "095")).toMatch(/Company Prefix/)
    expect(lint("gcppos2", "X0950")).toBeUndefined()
    expect(lint("gcppos2", "0X950")).toMatch(/position 2/)
    expect(identifyScan(`]C18004ABC123`)).toMatchObject({ valid: false, reason: /AI \(8004\).*Company Prefix/ })
  })

  it("checks package types and the importer index", () => {
    // AI 7041 (X..4, packagetype): PX is UN/ECE Recommendation 21's pallet, 1A a steel drum, 200 a GS1 addition.
    for (const code of ["PX", "1A", "200"]) expect(lint("packagetype", code)).toBeUndefined()
    for (const code of ["P", "px", "PX12", "P-"]) expect(lint("packagetype", code)).toMatch(/package type/)
    expect(identifyScan(`]C100${"095060001343526781"}${GS}7041PX`)).toMatchObject({ valid: true })
    expect(identifyScan(`]C100${"095060001343526781"}${GS}7041px`)).toMatchObject({ valid: false })
    expect(lint("importeridx", "_")).toBeUndefined()
    expect(lint("importeridx", "#")).toMatch(/importer index/)
  })

  it("walks the North American coupon (8110) field by field", () => {
    // GCP VLI 0 (6 digits), offer code, save value VLI 1, 1st purchase VLI 1, code, family code.
    const minimal = `0${"061414"}${"123456"}1${"5"}1${"1"}0${"123"}`
    expect(lint("couponcode", minimal)).toBeUndefined()
    expect(lint("couponcode", `${minimal}3${"251231"}`)).toBeUndefined()
    expect(lint("couponcode", `${minimal}3${"251231"}4${"250101"}`)).toBeUndefined()
    expect(lint("couponcode", `${minimal}3${"250101"}4${"251231"}`)).toMatch(/before the start date/)
    expect(lint("couponcode", `${minimal}3${"251332"}`)).toMatch(/expiration date: month 13/)
    expect(lint("couponcode", `${minimal}9${"0101"}`)).toBeUndefined()
    expect(lint("couponcode", `${minimal}9${"3101"}`)).toMatch(/save value code 3/)
    expect(lint("couponcode", `${minimal}7`)).toMatch(/optional field 7 does not exist/)
    expect(lint("couponcode", `7${"061414"}`)).toMatch(/GCP length indicator 7/)
    expect(lint("couponcode", minimal.slice(0, 12))).toMatch(/cut short|missing/)
    // Optional fields 1 (second purchase, GCP VLI 9: the primary company's), 2, 5 (serial), 6 (retailer), in order.
    expect(lint("couponcode", `${minimal}1${"0"}1${"2"}0${"456"}9`)).toBeUndefined()
    expect(lint("couponcode", `${minimal}1${"0"}1${"2"}0${"456"}1${"0614141"}`)).toBeUndefined()
    expect(lint("couponcode", `${minimal}2${"1"}${"3"}0${"789"}9`)).toBeUndefined()
    expect(lint("couponcode", `${minimal}5${"0"}${"123456"}6${"1"}${"0614141"}`)).toBeUndefined()
    expect(lint("couponcode", `${minimal}6${"1"}${"0614141"}5${"0"}${"123456"}`)).toMatch(/field 5 comes after field 6/)
    expect(lint("couponcode", `${minimal}3${"251231"}3${"251231"}`)).toMatch(/field 3 comes after field 3/)
    expect(lint("couponcode", `${minimal}7${"1"}`)).toMatch(/optional field 7 does not exist/)
    expect(lint("couponcode", `${minimal}1${"4"}`)).toMatch(/additional purchase rules code 4/)
    expect(lint("couponcode", `0${"061414"}${"123456"}6${"5"}`)).toMatch(/save value length indicator 6/)
    // An expiry in 2099 after a start in 2098, both in the window around 2050: the full years are compared.
    expect(gs1LinterProblem("couponcode", `${minimal}3${"990101"}4${"981231"}`, 2050)).toBeUndefined()
    expect(lint("couponposoffer", `1${"0"}${"061414"}${"123456"}0${"123456"}`)).toBeUndefined()
    expect(lint("couponposoffer", `0${"6"}${"061414123456"}${"123456"}9${"123456789012345"}`)).toBeUndefined()
    expect(lint("couponposoffer", `2${"0"}${"061414"}${"123456"}0${"123456"}`)).toMatch(/format code 2/)
    expect(lint("couponposoffer", `1${"0"}${"061414"}${"123456"}0${"1234567"}`)).toMatch(/unexpected data/)
  })

  it("refuses AIs the dictionary says must not appear together, in any GS1 scan", () => {
    expect(identifyScan(`]C10109506000134352${"02"}09506000134352${"37"}5`)).toMatchObject({
      valid: false,
      errors: expect.arrayContaining(["AI (02) must not appear together with AI (01)"])
    })
    // Requisites are not checked per barcode: a logistic label spreads its AIs over several symbols.
    expect(identifyScan(`]C137${"5"}`)).toMatchObject({ valid: true })
    expect(identifyScan(`]C10109506000134352${GS}3103000195`)).toMatchObject({ valid: true })
  })
})
