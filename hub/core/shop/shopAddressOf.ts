/** Bounds a corrected shipping address once more and splits it into the fields every shop's address takes. */
import type { Address } from "../../../core/orders/Order.ts"

/** The address as the shops keep it: the person's name in two parts, the lines, the place. */
export interface ShopAddress {
  readonly firstName: string
  readonly lastName: string
  readonly company: string | undefined
  readonly line1: string
  readonly line2: string | undefined
  readonly postalCode: string
  readonly city: string
  readonly region: string | undefined
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string
}

/** The longest value each field may send: the correction page's own bounds, which every shop's fields exceed. */
const maxLength = { name: 100, company: 100, line: 100, postalCode: 16, city: 80, region: 80 } as const

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
const control = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

/**
 * The shop's address for a corrected one, or why it cannot go out. The name is split at its last space (the shops
 * keep first and last name apart; "Anna Maria Berg" is "Anna Maria" and "Berg"); a one-word name is the last name.
 * Every field is checked for control characters and length even though the correction page checked it: the push
 * payload sits in the database between the two.
 */
export const shopAddressOf = (
  shipTo: Address
): { readonly ok: true; readonly address: ShopAddress } | { readonly ok: false; readonly reason: string } => {
  const fields: ReadonlyArray<readonly [string, string | undefined, number, boolean]> = [
    ["name", shipTo.name, maxLength.name, true],
    ["company", shipTo.company, maxLength.company, false],
    ["street1", shipTo.street1, maxLength.line, true],
    ["street2", shipTo.street2, maxLength.line, false],
    ["postalCode", shipTo.postalCode, maxLength.postalCode, true],
    ["city", shipTo.city, maxLength.city, true],
    ["region", shipTo.region, maxLength.region, false]
  ]
  for (const [field, value, max, required] of fields) {
    if (value === undefined || value.trim() === "") {
      if (required) return { ok: false, reason: `the address has no ${field}` }
      continue
    }
    if (typeof value !== "string" || control.test(value))
      return { ok: false, reason: `${field} holds a control character` }
    if ([...value].length > max) return { ok: false, reason: `${field} is longer than ${max} characters` }
  }
  if (!/^[A-Z]{2}$/.test(shipTo.country)) return { ok: false, reason: "the country is not an ISO 3166-1 alpha-2 code" }
  const name = shipTo.name.trim().replace(/\s+/g, " ")
  const split = name.lastIndexOf(" ")
  const optional = (value: string | undefined) =>
    value === undefined || value.trim() === "" ? undefined : value.trim()
  return {
    ok: true,
    address: {
      firstName: split < 0 ? "" : name.slice(0, split),
      lastName: split < 0 ? name : name.slice(split + 1),
      company: optional(shipTo.company),
      line1: shipTo.street1.trim(),
      line2: optional(shipTo.street2),
      postalCode: shipTo.postalCode.trim(),
      city: shipTo.city.trim(),
      region: optional(shipTo.region),
      country: shipTo.country
    }
  }
}
