/** Recognises carrier tracking numbers from the format table, check digits included, most likely carrier first. */
import { expectedCheck, s10 } from "./carriers/checkDigits.ts"
import type { TrackingFormat } from "./carriers/TrackingFormat.ts"
import {
  type CarrierId,
  carrierIds,
  carrierInfo,
  s10Carriers,
  s10Countries,
  trackingFormats
} from "./carriers/trackingFormats.generated.ts"

export { type CarrierId, carrierIds, carrierInfo }

export type CheckDigitState = "ok" | "bad" | "none"

export interface TrackingCandidate {
  readonly carrier: CarrierId
  /** The format's id in the data set (`ups`, `fedex_12`, `s10`…) or in packbench-formats.json. */
  readonly format: string
  readonly checkDigit: CheckDigitState
  /** The check character the number should end in (or carry where the format puts it), when it has one. */
  readonly expectedCheck?: string
  /**
   * False for all-digit formats with no prefix of their own: they collide with each other and with
   * GTINs, so identifyScan claims them only with a holding check digit or when its options narrow the carriers.
   */
  readonly distinctive: boolean
  /** S10 only: the issuing country (ISO 3166 alpha-2) and its postal operator from the UPU table. */
  readonly country?: string
  readonly post?: string
  /** The format's check digit is not verified (see TrackingFormat.checkDigitNotVerified): what is known of it. */
  readonly checkDigitNotVerified?: string
}

/** Longer than any format (DHL eCommerce allows 41): anything longer is not tried at all. */
export const maxTrackingLength = 48
const minTrackingLength = 10

/**
 * The number as the formats are written: spaces, dots and dashes (as printed under barcodes and typed by people)
 * removed, letters upper-cased.
 */
export const normaliseTrackingNumber = (raw: string): string => raw.replace(/[ .\-\u00A0]/g, "").toUpperCase()

const s10CarrierOf = (country: string, service: string): CarrierId =>
  s10Carriers[`${country}/${service[0]}`] ?? s10Carriers[country] ?? "s10"

const candidateOf = (format: TrackingFormat<CarrierId>, n: string): TrackingCandidate | undefined => {
  const groups = format.pattern.exec(n)?.groups
  if (groups === undefined) return undefined
  let carrier = format.carrier
  let where: { country?: string; post?: string } = {}
  if (format.requiresKnownCountry) {
    const country = groups.CountryCode ?? ""
    const known = s10Countries[country]
    if (known === undefined) return undefined
    carrier = s10CarrierOf(country, groups.ServiceType ?? "")
    where = { country, post: known.post }
  }
  const unverified =
    format.checkDigitNotVerified === null ? {} : { checkDigitNotVerified: format.checkDigitNotVerified }
  const base = { carrier, format: format.id, distinctive: format.distinctive, ...where, ...unverified }
  if (format.checksum === null) return { ...base, checkDigit: "none" }
  const prepend = format.prependSerial
  const printed = groups.SerialNumber ?? ""
  const serial = prepend?.when.test(printed) ? `${prepend.content}${printed}` : printed
  const expected = expectedCheck(format.checksum, serial)
  const holds = expected !== undefined && expected === groups.CheckDigit
  return expected === undefined
    ? { ...base, checkDigit: "bad" }
    : { ...base, checkDigit: holds ? "ok" : "bad", expectedCheck: expected }
}

/**
 * Every tracking format `n` (normalised: see normaliseTrackingNumber) fits, most likely carrier first, with the
 * state of its check digit. An S10 number whose country code no post uses fits no format.
 */
export const trackingCandidates = (n: string): ReadonlyArray<TrackingCandidate> => {
  if (n.length < minTrackingLength || n.length > maxTrackingLength) return []
  const found: Array<TrackingCandidate> = []
  for (const format of trackingFormats) {
    const candidate = candidateOf(format, n)
    if (candidate !== undefined) found.push(candidate)
  }
  return found
}

/** The carrier's public tracking page for `number`, where the carrier has one. */
export const trackingUrlFor = (carrier: CarrierId, number: string): string | undefined =>
  carrierInfo[carrier]?.trackingUrl?.replace("%s", encodeURIComponent(number)) ?? undefined

/** UPU S10 check digit of eight serial digits (UPU standard S10 §5). */
export const s10CheckDigit = (eightDigits: string): number => Number(s10(eightDigits))

/** Appends the S10 check digit; for tests and simulators that mint item ids. */
export const encodeS10 = (service: string, serial: string, country: string): string =>
  `${service}${serial}${s10CheckDigit(serial)}${country}`
