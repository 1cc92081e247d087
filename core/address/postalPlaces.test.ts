import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { placesOf, samePlace } from "./postalPlaces.ts"

const data = (country: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, "data", `postal-places-${country}.json`), "utf8")) as Record<
    string,
    ReadonlyArray<string>
  >

describe("postal places", () => {
  it.each(["DE", "AT"] as const)("%s: the generated module holds exactly the vendored data", (country) => {
    const source = data(country.toLowerCase())
    expect(Object.keys(source).length).toBeGreaterThan(2000)
    for (const [code, places] of Object.entries(source)) expect(placesOf(country, code), code).toEqual(places)
    expect(placesOf(country, "99999x")).toBeUndefined()
  })

  it("compares places as people write them, never a different town", () => {
    expect(samePlace("Frankfurt a. M.", "Frankfurt am Main")).toBe(true)
    expect(samePlace("KEMPTEN", "Kempten (Allgäu)")).toBe(true)
    expect(samePlace("Muenchen", "München")).toBe(true)
    expect(samePlace("St. Pölten", "Sankt Pölten")).toBe(true)
    expect(samePlace("Frankfurt (Oder)", "Frankfurt am Main")).toBe(false)
    expect(samePlace("Hamburg", "Berlin")).toBe(false)
    expect(samePlace("", "Berlin")).toBe(false)
  })
})
