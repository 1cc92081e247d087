import { describe, expect, it } from "vitest"
import { shopAddressOf } from "./shopAddressOf.ts"

const base = { name: "Anna Maria Berg", street1: "Marienplatz 8", postalCode: "80331", city: "München", country: "DE" }

describe("the address a shop gets for a correction", () => {
  it("splits the name at its last space and drops empty optional fields", () => {
    expect(shopAddressOf({ ...base, street2: " ", company: "Berg GmbH" })).toEqual({
      ok: true,
      address: {
        firstName: "Anna Maria",
        lastName: "Berg",
        company: "Berg GmbH",
        line1: "Marienplatz 8",
        line2: undefined,
        postalCode: "80331",
        city: "München",
        region: undefined,
        country: "DE"
      }
    })
    expect(shopAddressOf({ ...base, name: "Madonna" })).toMatchObject({
      ok: true,
      address: { firstName: "", lastName: "Madonna" }
    })
  })

  it("refuses what no shop should be sent: control characters, overlong fields, a missing line, a bad country", () => {
    expect(shopAddressOf({ ...base, city: "München\r\nX-Injected: 1" })).toEqual({
      ok: false,
      reason: "city holds a control character"
    })
    expect(shopAddressOf({ ...base, street2: "x".repeat(101) })).toEqual({
      ok: false,
      reason: "street2 is longer than 100 characters"
    })
    expect(shopAddressOf({ ...base, street1: "  " })).toEqual({ ok: false, reason: "the address has no street1" })
    expect(shopAddressOf({ ...base, country: "de" })).toMatchObject({ ok: false })
  })
})
