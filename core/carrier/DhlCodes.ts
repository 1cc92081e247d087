/**
 * DHL Paket's two sorting barcodes (Interleaved 2 of 5), as Deutsche Post publishes them:
 *
 *   Leitcode  (routing, 14 digits)  postal code (5) · street code (3) · house number (3) · product (2) · check (1)
 *   Identcode (parcel, 12 digits)   origin parcel centre (2) · customer (3) · serial (6) · check (1)
 *
 * Check digit of both: the digits' sums at odd positions (A) and even positions (B), counted from the left,
 * C = (10 - ((4A + 9B) mod 10)) mod 10.
 *
 * The street code comes from DHL's Leitcode database, which the station does not have: it knows only the fixed codes
 * of DHL's own pick-up points (Packstation 994, Postfiliale 993, with the station's or branch's number as the house
 * number). For any other address the station prints no Leitcode, as DHL's own labels do for an address its database
 * does not know; the parcel centre then routes it by postal code.
 */

/** Deutsche Post's mod-10 check digit with weights 4 (odd positions) and 9 (even positions). */
export const dhlCheckDigit = (digits: string): number => {
  if (!/^\d+$/.test(digits)) throw new RangeError(`dhlCheckDigit: "${digits}" is not digits`)
  let odd = 0
  let even = 0
  for (let index = 0; index < digits.length; index++) {
    if (index % 2 === 0) odd += Number(digits[index])
    else even += Number(digits[index])
  }
  return (10 - ((4 * odd + 9 * even) % 10)) % 10
}

/** Whether `code` is `length` digits whose last one is the DHL check digit of the others. */
export const hasValidDhlCheckDigit = (code: string, length: 12 | 14): boolean =>
  new RegExp(`^\\d{${length}}$`).test(code) && dhlCheckDigit(code.slice(0, -1)) === Number(code.at(-1))

/** Product codes of the Leitcode (positions 12-13): a parcel, a small parcel, a return. */
export const leitcodeProducts = { parcel: "00", smallParcel: "40", return: "33" } as const

const STREET_CODE = { packstation: "994", postfiliale: "993" } as const

/**
 * The Leitcode of a German address the station can code itself: a Packstation or Postfiliale ("Packstation 123",
 * "Postfiliale 512") with a five-digit postal code. Undefined for any other address (see above).
 */
export const leitcodeFor = (
  shipTo: { readonly country: string; readonly postalCode: string; readonly street1: string },
  product: keyof typeof leitcodeProducts = "parcel"
): string | undefined => {
  if (shipTo.country.toUpperCase() !== "DE") return undefined
  const postalCode = shipTo.postalCode.trim()
  if (!/^\d{5}$/.test(postalCode)) return undefined
  const point = /^\s*(packstation|postfiliale)\s*(?:nr\.?\s*)?(\d{1,3})\s*$/i.exec(shipTo.street1)
  if (point === null) return undefined
  const street = STREET_CODE[point[1]!.toLowerCase() as keyof typeof STREET_CODE]
  const body = `${postalCode}${street}${point[2]!.padStart(3, "0")}${leitcodeProducts[product]}`
  return `${body}${dhlCheckDigit(body)}`
}

/**
 * The Identcode of the parcel with `serial` (taken from the station's block of DHL numbers): the origin parcel centre
 * and the customer number DHL assigned to the shipper, then the serial's last six digits.
 */
export const identcodeFor = (account: { readonly parcelCentre: string; readonly customer: string }, serial: number) => {
  if (!/^\d{2}$/.test(account.parcelCentre) || !/^\d{3}$/.test(account.customer)) {
    throw new RangeError(`identcode account ${account.parcelCentre}/${account.customer} must be 2 and 3 digits`)
  }
  if (!Number.isSafeInteger(serial) || serial < 0) throw new RangeError(`identcode serial ${serial} is not a number`)
  const body = `${account.parcelCentre}${account.customer}${String(serial % 1_000_000).padStart(6, "0")}`
  return `${body}${dhlCheckDigit(body)}`
}

/** "56310 123456 7" style grouping for the text under a barcode: the parts a person reads back on the phone. */
export const readableLeitcode = (code: string) =>
  `${code.slice(0, 5)}.${code.slice(5, 8)}.${code.slice(8, 11)}.${code.slice(11, 13)} ${code.slice(13)}`
export const readableIdentcode = (code: string) =>
  `${code.slice(0, 2)}.${code.slice(2, 5)} ${code.slice(5, 8)}.${code.slice(8, 11)} ${code.slice(11)}`
