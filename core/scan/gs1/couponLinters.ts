import { gs1DateProblem } from "./gs1Date.ts"

/**
 * The North American coupon linters of the GS1 Barcode Syntax Tests (`couponcode` for AI 8110, `couponposoffer` for
 * AI 8112), as gs1-syntax-engine's lint_couponcode.c and lint_couponposoffer.c define the fields: a sequence of
 * fixed fields and VLI-prefixed (variable length indicator) fields, then optional fields introduced by "1"…"9".
 */

/** A cursor over the coupon's digits; every read either advances or throws the problem it found. */
class CouponReader {
  position = 0
  constructor(readonly data: string) {}

  get done(): boolean {
    return this.position >= this.data.length
  }

  next(what: string): string {
    if (this.done) throw new CouponProblem(`missing ${what}`)
    return this.data[this.position++]!
  }

  /** One digit that must be in `allowed`. */
  code(what: string, allowed: string): string {
    const digit = this.next(what)
    if (!allowed.includes(digit)) throw new CouponProblem(`${what} ${digit} is not one of ${[...allowed].join(",")}`)
    return digit
  }

  take(length: number, what: string): string {
    if (this.data.length - this.position < length) throw new CouponProblem(`${what} is cut short`)
    const value = this.data.slice(this.position, this.position + length)
    this.position += length
    return value
  }

  /** A VLI digit from `allowed`, then that many digits plus `plus`. */
  vli(what: string, allowed: string, plus: number): string {
    const digit = this.code(`${what} length indicator`, allowed)
    return this.take(Number(digit) + plus, what)
  }

  /** A GS1 Company Prefix must start with four digits (gcppos1); this data is all digits already. */
  gcp(value: string, what: string): void {
    if (value.length < 4) throw new CouponProblem(`${what} is too short for a GS1 Company Prefix`)
  }

  optional(marker: string): boolean {
    if (this.data[this.position] !== marker) return false
    this.position++
    return true
  }
}

class CouponProblem extends Error {}

const purchase = (reader: CouponReader, which: string) => {
  reader.vli(`${which} purchase requirement`, "12345", 0)
  reader.code(`${which} purchase requirement code`, "012349")
  reader.take(3, `${which} purchase family code`)
}

const purchaseGcp = (reader: CouponReader, which: string) => {
  const indicator = reader.code(`${which} purchase GCP length indicator`, "01234569")
  if (indicator === "9") return
  reader.gcp(reader.take(Number(indicator) + 6, `${which} purchase GCP`), `${which} purchase GCP`)
}

const couponCode = (reader: CouponReader, referenceYear: number): void => {
  reader.gcp(reader.vli("GCP", "0123456", 6), "GCP")
  reader.take(6, "offer code")
  reader.vli("save value", "12345", 0)
  purchase(reader, "1st")
  if (reader.optional("1")) {
    reader.code("additional purchase rules code", "0123")
    purchase(reader, "2nd")
    purchaseGcp(reader, "2nd")
  }
  if (reader.optional("2")) {
    purchase(reader, "3rd")
    purchaseGcp(reader, "3rd")
  }
  let expiry: string | undefined
  if (reader.optional("3")) {
    expiry = reader.take(6, "expiration date")
    const problem = gs1DateProblem(expiry, referenceYear, false)
    if (problem !== undefined) throw new CouponProblem(`expiration date: ${problem}`)
  }
  if (reader.optional("4")) {
    const start = reader.take(6, "start date")
    const problem = gs1DateProblem(start, referenceYear, false)
    if (problem !== undefined) throw new CouponProblem(`start date: ${problem}`)
    if (expiry !== undefined && start > expiry) throw new CouponProblem("expiration date is before the start date")
  }
  if (reader.optional("5")) reader.vli("serial number", "0123456789", 6)
  if (reader.optional("6")) reader.gcp(reader.vli("retailer GCP/GLN", "1234567", 6), "retailer GCP/GLN")
  if (reader.optional("9")) {
    reader.code("save value code", "01256")
    reader.code("save value applies to item", "012")
    reader.next("store coupon flag")
    reader.code("don't multiply flag", "01")
  }
}

const couponPosOffer = (reader: CouponReader): void => {
  reader.code("format code", "01")
  reader.vli("funder id", "0123456", 6)
  reader.take(6, "offer code")
  reader.vli("serial number", "0123456789", 6)
}

const run = (value: string, read: (reader: CouponReader) => void): string | undefined => {
  if (!/^\d*$/.test(value)) return "coupon data must be digits"
  const reader = new CouponReader(value)
  try {
    read(reader)
  } catch (error) {
    if (error instanceof CouponProblem) return `coupon: ${error.message}`
    throw error
  }
  return reader.done ? undefined : `coupon: unexpected data from position ${reader.position + 1}`
}

export const couponCodeProblem = (value: string, referenceYear: number): string | undefined =>
  run(value, (reader) => couponCode(reader, referenceYear))

export const couponPosOfferProblem = (value: string): string | undefined => run(value, couponPosOffer)
