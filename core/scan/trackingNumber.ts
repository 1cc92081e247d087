import { hasValidGs1CheckDigit } from "./gs1CheckDigit.ts"
import { iso7064Mod37_36 } from "./iso7064Mod37_36.ts"

export const carrierIds = [
  "ups",
  "fedex",
  "usps",
  "dhl",
  "dhl-paket",
  "deutsche-post",
  "dpd",
  "gls",
  "hermes",
  "royal-mail",
  "postnl",
  "amazon",
  "s10"
] as const
export type CarrierId = (typeof carrierIds)[number]

export type CheckDigitState = "ok" | "bad" | "none"

export interface TrackingCandidate {
  readonly carrier: CarrierId
  readonly format: string
  readonly checkDigit: CheckDigitState
  /**
   * False for all-digit formats with no prefix of their own: they collide with each other and with
   * GTINs, so identifyScan claims them only when its options narrow the carriers down.
   */
  readonly distinctive: boolean
}

const state = (holds: boolean): CheckDigitState => (holds ? "ok" : "bad")
const digit = (s: string, i: number): number => s.charCodeAt(i) - 48

/** UPS 1Z: the 15 characters after "1Z", letters mapped (code - 3) mod 10, odd positions doubled. */
const upsCheckHolds = (n: string): boolean => {
  let sum = 0
  for (let i = 2; i < 17; i++) {
    const c = n.charCodeAt(i)
    const value = c <= 57 ? c - 48 : (c - 3) % 10
    sum += (i - 2) % 2 === 1 ? value * 2 : value
  }
  return (10 - (sum % 10)) % 10 === digit(n, 17)
}

/** FedEx Express 12 / 34 and Ground GSN: weights 1,3,7 repeating from the right, sum mod 11 mod 10. */
const fedexMod11Holds = (data: string, check: number): boolean => {
  const weights = [1, 3, 7]
  let sum = 0
  for (let i = data.length - 1, k = 0; i >= 0; i--, k++) sum += digit(data, i) * weights[k % 3]!
  return (sum % 11) % 10 === check
}

/**
 * FedEx Ground 15 and Ground 96 (22): over the 14-digit serial before the check digit only (not the
 * "96" prefix, service or SCNC), weights 1,3 alternate from the left, check = 10 - sum mod 10.
 */
const fedexGroundHolds = (n: string): boolean => {
  const serial = n.slice(-15, -1)
  let sum = 0
  for (let i = 0; i < serial.length; i++) sum += digit(serial, i) * (i % 2 === 0 ? 1 : 3)
  return (10 - (sum % 10)) % 10 === digit(n, n.length - 1)
}

/** UPU S10 (UPU standard S10 §5): weights 8 6 4 2 3 5 9 7, 11 - sum mod 11, with 10 -> 0 and 11 -> 5. */
export const s10CheckDigit = (eightDigits: string): number => {
  const weights = [8, 6, 4, 2, 3, 5, 9, 7]
  let sum = 0
  for (let i = 0; i < 8; i++) sum += digit(eightDigits, i) * weights[i]!
  const check = 11 - (sum % 11)
  return check === 10 ? 0 : check === 11 ? 5 : check
}

const s10Carrier = (country: string): CarrierId =>
  country === "US" ? "usps" : country === "GB" ? "royal-mail" : country === "DE" ? "deutsche-post" : "s10"

/** IMpb (USPS Publication 199): GS1 mod 10 over the whole number. */
const impbHolds = (n: string): boolean => hasValidGs1CheckDigit(n)

/** 20-digit USPS numbers are either a plain mod 10 number or an IMpb printed without its "91" channel prefix. */
const usps20Holds = (n: string): boolean => impbHolds(n) || impbHolds(`91${n}`)

type Rule = (n: string) => TrackingCandidate | undefined

const rule =
  (
    pattern: RegExp,
    carrier: CarrierId,
    format: string,
    check: (n: string) => CheckDigitState,
    distinctive = true
  ): Rule =>
  (n) =>
    pattern.test(n) ? { carrier, format, checkDigit: check(n), distinctive } : undefined

const none = (): CheckDigitState => "none"

const rules: ReadonlyArray<Rule> = [
  rule(/^1Z[0-9A-Z]{16}$/, "ups", "1Z", (n) => state(upsCheckHolds(n))),
  rule(/^[A-Z]{2}\d{9}[A-Z]{2}$/, "s10", "S10", (n) => state(s10CheckDigit(n.slice(2, 10)) === digit(n, 10))),
  rule(/^TBA\d{12}$/, "amazon", "TBA", none),
  rule(/^3S[A-Z]{4}\d{5,11}$/, "postnl", "3S", none),
  rule(/^JJD\d{18,20}$/, "dhl-paket", "JJD", none),
  rule(/^J[A-Z]{2,3}\d{9,10}$/, "dhl", "piece id", none),
  rule(/^\d{12}$/, "fedex", "express 12", (n) => state(fedexMod11Holds(n.slice(0, 11), digit(n, 11))), false),
  rule(/^\d{15}$/, "fedex", "ground 15", (n) => state(fedexGroundHolds(n)), false),
  rule(/^96\d{20}$/, "fedex", "ground 96", (n) => state(fedexGroundHolds(n))),
  rule(/^100\d{31}$/, "fedex", "express 34", (n) => state(fedexMod11Holds(n.slice(20, 33), digit(n, 33)))),
  rule(/^96\d{32}$/, "fedex", "ground GSN", (n) => state(fedexMod11Holds(n.slice(20, 33), digit(n, 33)))),
  rule(/^\d{20}$/, "fedex", "smartpost 20", (n) => state(impbHolds(`92${n}`)), false),
  rule(/^\d{20}$/, "usps", "20", (n) => state(usps20Holds(n)), false),
  rule(/^9[1-5]\d{20}$|^9[1-5]\d{24}$/, "usps", "impb", (n) => state(impbHolds(n))),
  rule(/^420(\d{5}|\d{9})9[1-5](\d{20}|\d{24})$/, "usps", "impb 420", (n) =>
    state(impbHolds(n.replace(/^420(\d{5}|\d{9})(?=9[1-5](\d{20}|\d{24})$)/, "")))
  ),
  rule(/^\d{10}$/, "dhl", "express 10", (n) => state(Number(n.slice(0, 9)) % 7 === digit(n, 9)), false),
  rule(/^00\d{18}$/, "dhl-paket", "NVE 20", (n) => state(hasValidGs1CheckDigit(n.slice(2))), false),
  rule(/^\d{12}$/, "dhl-paket", "12", none, false),
  rule(/^\d{14}$/, "dpd", "parcel 14", none, false),
  rule(/^\d{14}[0-9A-Z]$/, "dpd", "parcel 14 + check", (n) => state(iso7064Mod37_36(n.slice(0, 14)) === n[14]), false),
  rule(/^\d{27}[0-9A-Z]$/, "dpd", "label 28", (n) => state(iso7064Mod37_36(n.slice(0, 27)) === n[27])),
  rule(/^%\d{27}$/, "dpd", "barcode", none),
  rule(/^\d{11,12}$/, "gls", "parcel", none, false),
  rule(/^\d{14}$|^\d{16}$/, "hermes", "parcel", none, false)
]

/** S10 items are named after the issuing post where that is one of our carriers. */
const withS10Carrier = (candidate: TrackingCandidate, n: string): TrackingCandidate =>
  candidate.format === "S10" ? { ...candidate, carrier: s10Carrier(n.slice(11)) } : candidate

/** Every tracking format `n` (upper-case, no spaces) fits, with the state of its check digit. */
export const trackingCandidates = (n: string): ReadonlyArray<TrackingCandidate> => {
  const found: Array<TrackingCandidate> = []
  for (const r of rules) {
    const candidate = r(n)
    if (candidate !== undefined) found.push(withS10Carrier(candidate, n))
  }
  return found
}

/** Appends the S10 check digit; for tests and simulators that mint item ids. */
export const encodeS10 = (service: string, serial: string, country: string): string =>
  `${service}${serial}${s10CheckDigit(serial)}${country}`
