/** Checks the field structure of North American coupon codes: AI 8110 (couponcode) and AI 8112 (couponposoffer). */
import { gs1DateProblem, gs1FullYear } from "./gs1Date.ts"

/**
 * Written by us from the North American Coupon Application Guideline's description of the fields (GS1 US): a run of
 * digits made of fixed-length fields and fields whose length a one-digit VLI (variable length indicator) in front of
 * them gives, then optional data fields, each introduced by its field number 1-6 or 9, in ascending order, each once.
 * Every problem is a sentence naming the field.
 */

class Fields {
  at = 0
  constructor(private readonly digits: string) {}

  get done(): boolean {
    return this.at >= this.digits.length
  }

  /** The next `length` digits of `field`; throws the problem when the value ends before them. */
  take(length: number, field: string): string {
    if (this.at + length > this.digits.length) throw new CouponProblem(`${field} is cut short (missing digits)`)
    const value = this.digits.slice(this.at, this.at + length)
    this.at += length
    return value
  }

  /** A VLI whose allowed values map to lengths (`lengths[vli]`), then the field of that length. */
  variable(field: string, lengths: Readonly<Record<string, number>>): string {
    const vli = this.take(1, `${field} length indicator`)
    const length = lengths[vli]
    if (length === undefined) throw new CouponProblem(`${field} length indicator ${vli} is not allowed`)
    return this.take(length, field)
  }

  /** One digit that must be one of `allowed`. */
  code(field: string, allowed: string): string {
    const value = this.take(1, field)
    if (!allowed.includes(value))
      throw new CouponProblem(`${field} ${value} is not one of ${allowed.split("").join(", ")}`)
    return value
  }
}

class CouponProblem extends Error {}

const range = (first: number, last: number, lengthOfFirst: number): Record<string, number> =>
  Object.fromEntries(Array.from({ length: last - first + 1 }, (_, i) => [String(first + i), lengthOfFirst + i]))

/** GS1 Company Prefix: VLI 0-6 for 6-12 digits. */
const companyPrefixLengths = range(0, 6, 6)
/** Save value and purchase requirements: VLI 1-5 for 1-5 digits. */
const amountLengths = range(1, 5, 1)

const check = (value: string, parse: (fields: Fields) => void): string | undefined => {
  if (!/^\d*$/.test(value)) return "a coupon code holds digits only"
  const fields = new Fields(value)
  try {
    parse(fields)
    if (!fields.done) return `unexpected data after the last field, from position ${fields.at + 1}`
    return undefined
  } catch (problem) {
    if (problem instanceof CouponProblem) return problem.message
    throw problem
  }
}

/** A purchase requirement: its amount (VLI 1-5), the requirement code and the family code. */
const purchase = (fields: Fields, which: string) => {
  fields.variable(`${which} purchase requirement`, amountLengths)
  fields.code(`${which} purchase requirement code`, "012349")
  fields.take(3, `${which} purchase family code`)
}

const couponCode = (fields: Fields, referenceYear: number) => {
  fields.variable("GCP", companyPrefixLengths)
  fields.take(6, "offer code")
  fields.variable("save value", amountLengths)
  purchase(fields, "primary")
  let previous = 0
  let start: string | undefined
  let expiry: string | undefined
  while (!fields.done) {
    const field = Number(fields.take(1, "optional field number"))
    if (![1, 2, 3, 4, 5, 6, 9].includes(field)) throw new CouponProblem(`optional field ${field} does not exist`)
    if (field <= previous) throw new CouponProblem(`optional field ${field} comes after field ${previous}`)
    previous = field
    switch (field) {
      case 1:
        fields.code("additional purchase rules code", "0123")
        purchase(fields, "second")
        // VLI 9: the second purchase is of the primary company's products, no prefix follows.
        if (fields.take(1, "second purchase GCP length indicator") !== "9") {
          fields.at--
          fields.variable("second purchase GCP", companyPrefixLengths)
        }
        break
      case 2:
        purchase(fields, "third")
        if (fields.take(1, "third purchase GCP length indicator") !== "9") {
          fields.at--
          fields.variable("third purchase GCP", companyPrefixLengths)
        }
        break
      case 3: {
        expiry = fields.take(6, "expiration date")
        const problem = gs1DateProblem(expiry, referenceYear, false)
        if (problem !== undefined) throw new CouponProblem(`expiration date: ${problem}`)
        break
      }
      case 4: {
        start = fields.take(6, "start date")
        const problem = gs1DateProblem(start, referenceYear, false)
        if (problem !== undefined) throw new CouponProblem(`start date: ${problem}`)
        break
      }
      case 5:
        fields.variable("serial number", range(0, 5, 6))
        break
      case 6:
        fields.variable("retailer GCP or GLN", range(1, 7, 7))
        break
      case 9:
        fields.code("save value code", "01256")
        fields.code("save value applies to item", "012")
        fields.take(1, "store coupon flag")
        fields.code("don't multiply flag", "01")
        break
    }
  }
  // Both are valid YYMMDD dates here: compared with their full years (GS1's 50-year window around the reference year).
  const ordinal = (date: string) =>
    gs1FullYear(Number(date.slice(0, 2)), referenceYear) * 10_000 + Number(date.slice(2))
  if (start !== undefined && expiry !== undefined && ordinal(expiry) < ordinal(start))
    throw new CouponProblem(`the expiration date ${expiry} is before the start date ${start}`)
}

const couponPosOffer = (fields: Fields) => {
  fields.code("coupon format code", "01")
  fields.variable("coupon funder ID", companyPrefixLengths)
  fields.take(6, "offer code")
  fields.variable("serial number", range(0, 9, 6))
}

/** Problems of an AI 8110 value; undefined when its fields are well formed. */
export const couponCodeProblem = (value: string, referenceYear: number): string | undefined =>
  check(value, (fields) => couponCode(fields, referenceYear))

/** Problems of an AI 8112 value; undefined when its fields are well formed. */
export const couponPosOfferProblem = (value: string): string | undefined => check(value, couponPosOffer)
