/** Identifies any scan (GTIN, GS1, Digital Link, SSCC, tracking number, Packbench code, SKU) in one function. */
import { aiTable } from "./gs1/aiTable.generated.ts"
import { parseDigitalLink } from "./gs1/parseDigitalLink.ts"
import { GS, type Gs1Parse, parseElementString } from "./gs1/parseElementString.ts"
import { gs1CheckDigit, hasValidGs1CheckDigit } from "./gs1CheckDigit.ts"
import { defaultRmaHost, parsePackbenchCode } from "./PackbenchCode.ts"
import { parseReturnUrl } from "./ReturnUrl.ts"
import type { ScanResult } from "./ScanResult.ts"
import {
  type CarrierId,
  carrierInfo,
  normaliseTrackingNumber,
  type TrackingCandidate,
  trackingCandidates,
  trackingUrlFor
} from "./trackingNumber.ts"

export interface IdentifyOptions {
  /** Maps a SKU or catalog alias to the catalog's GTIN-14 or SKU; undefined when the catalog has no such code. */
  readonly resolveSku?: (code: string) => string | undefined
  /**
   * What the station expects at this step. With "tracking", a number that is both a valid GTIN and a
   * valid tracking number is a tracking number, and all-digit carrier formats without a prefix count.
   */
  readonly expect?: "any" | "tracking"
  /** The carriers this station ships with: only these are claimed, including formats without a check digit. */
  readonly carriers?: ReadonlyArray<CarrierId>
  /**
   * Year the GS1 century rule (GenSpecs 7.12) counts from. It decides only whether YY=00 is 2000 or 2100
   * (i.e. whether 000229 exists), so the default is right for every reference year from 1950 to 2049.
   */
  readonly referenceYear?: number
  /** Hosts of RMA return-label URLs. */
  readonly rmaHosts?: ReadonlyArray<string>
  /**
   * The brands' return page templates (`https://returns.example/r/{orderId}?rma={rma}`): an address of one of their
   * hosts is the insert's return code, an RMA; see ReturnUrl.ts.
   */
  readonly returnUrls?: ReadonlyArray<string>
}

/** Longer than any barcode payload a station handles (a full GS1 DataMatrix is about 2.3 kB). */
export const maxScanLength = 4096

/** AIM symbology identifiers (ISO/IEC 15424) whose data is a GS1 element string. */
const gs1Symbologies = new Set(["]C1", "]d2", "]Q3", "]e0", "]J1"])
/** EAN/UPC: the data is the GTIN digits. */
const eanSymbologies = new Set(["]E0", "]E4", "]X0"])

const productLengths = new Set([8, 12, 13, 14])

const unknown = (input: string, reason: string): ScanResult => ({ input, kind: "unknown", valid: false, reason })

const describeChar = (char: string): string => `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** The single trailing CR, LF or CRLF a keyboard-wedge or serial scanner appends is not part of the data. */
const stripTerminator = (raw: string): string =>
  raw.endsWith("\r\n") ? raw.slice(0, -2) : raw.endsWith("\n") || raw.endsWith("\r") ? raw.slice(0, -1) : raw

/** C0 and C1 controls and DEL, except GS (FNC1 as transmitted). */
const firstControlCharacter = (data: string): number => {
  for (let i = 0; i < data.length; i++) {
    const code = data.charCodeAt(i)
    if ((code < 0x20 && code !== 0x1d) || (code >= 0x7f && code <= 0x9f)) return i
  }
  return -1
}

const inputProblem = (data: string): string | undefined => {
  if (data === "") return "empty scan"
  if (data.length > maxScanLength) return `scan is ${data.length} characters, more than ${maxScanLength}: not a barcode`
  const control = firstControlCharacter(data)
  if (control !== -1) {
    return `control character ${describeChar(data[control]!)} at position ${control}: line noise or a wrong scanner setting`
  }
  if (loneSurrogate.test(data)) return "broken Unicode (a lone surrogate): line noise?"
  return undefined
}

const gs1Result = (input: string, kind: "gs1" | "digital-link", parse: Gs1Parse): ScanResult => {
  const primaryKey = parse.ais.find((element) => aiTable[element.ai]?.dlPrimaryKey != null)
  const base = { input, kind: primaryKey?.ai === "00" ? ("sscc" as const) : kind, valid: parse.errors.length === 0 }
  return parse.errors.length === 0
    ? { ...base, ais: parse.ais }
    : { ...base, ais: parse.ais, reason: parse.errors[0]!, errors: parse.errors }
}

/** "(01)09506000134352(10)AB1" as typed from the human-readable line: FNC1 goes after variable-length AIs. */
const fromHumanReadable = (data: string): string | undefined => {
  const parts = data.split(/\((\d{2,4})\)/)
  if (parts[0] !== "" || parts.length < 3) return undefined
  let out = ""
  for (let i = 1; i < parts.length; i += 2) {
    const ai = parts[i]!
    out += `${ai}${parts[i + 1]}`
    if (i + 2 < parts.length && aiTable[ai]?.fixedLength !== true) out += GS
  }
  return out
}

const gtinResult = (input: string, digits: string): ScanResult => {
  const gtin = digits.padStart(14, "0")
  if (hasValidGs1CheckDigit(gtin)) return { input, kind: "gtin", valid: true, gtin }
  const expected = gs1CheckDigit(gtin.slice(0, -1))
  return { input, kind: "gtin", valid: false, gtin, reason: `check digit ${gtin.at(-1)} should be ${expected}` }
}

type TrackingDecision = { readonly result: ScanResult } | undefined

/** Preferred carriers first, in the station's order, then the format table's order (most likely first). */
const byLikelihood = (preferred: ReadonlyArray<CarrierId> | undefined) => {
  const rank = (c: TrackingCandidate) => {
    const index = preferred?.indexOf(c.carrier) ?? -1
    return index === -1 ? Number.MAX_SAFE_INTEGER : index
  }
  return (a: TrackingCandidate, b: TrackingCandidate) =>
    rank(a) - rank(b) || Number(b.distinctive) - Number(a.distinctive)
}

const trackingResult = (
  input: string,
  number: string,
  chosen: ReadonlyArray<TrackingCandidate>
): { readonly result: ScanResult } => {
  const seen = new Set<CarrierId>()
  const distinct = chosen.filter((c) => !seen.has(c.carrier) && seen.add(c.carrier))
  const first = distinct[0]!
  const url = trackingUrlFor(first.carrier, number)
  return {
    result: {
      input,
      kind: "tracking",
      valid: true,
      carrier: first.carrier,
      checkDigit: first.checkDigit,
      number,
      format: first.format,
      ...(url === undefined ? {} : { trackingUrl: url }),
      ...(first.country === undefined ? {} : { country: first.country, post: first.post }),
      ...(first.checkDigitNotVerified === undefined ? {} : { checkDigitNotVerified: first.checkDigitNotVerified }),
      ...(distinct.length > 1
        ? { candidates: distinct.map((c) => ({ carrier: c.carrier, format: c.format, checkDigit: c.checkDigit })) }
        : {})
    }
  }
}

/**
 * Which carrier's number this is. A format whose check digit holds wins over one without a check digit; a number
 * whose check digit fails is never accepted, and then a format without one is accepted only for a carrier the
 * station named. Formats without anything of their own (bare digits, no check) need the station's carriers or
 * `expect: "tracking"`.
 */
const decideTracking = (input: string, number: string, options: IdentifyOptions): TrackingDecision => {
  const named = options.carriers
  const allowed = (c: TrackingCandidate): boolean =>
    named !== undefined
      ? named.includes(c.carrier) || (c.format === "s10" && named.includes("s10"))
      : c.distinctive || c.checkDigit === "ok" || options.expect === "tracking"
  const candidates = trackingCandidates(number).filter(allowed).sort(byLikelihood(named))
  const ok = candidates.filter((c) => c.checkDigit === "ok")
  if (ok.length > 0) return trackingResult(input, number, ok)
  const bad = candidates.filter((c) => c.checkDigit === "bad")
  const unchecked = candidates.filter((c) => c.checkDigit === "none" && (bad.length === 0 || named !== undefined))
  if (unchecked.length > 0) return trackingResult(input, number, unchecked)
  const failed = bad[0]
  if (failed === undefined) return undefined
  const expected = failed.expectedCheck === undefined ? "" : `: it should be ${failed.expectedCheck}`
  return {
    result: {
      input,
      kind: "tracking",
      valid: false,
      carrier: failed.carrier,
      checkDigit: "bad",
      number,
      format: failed.format,
      reason: `${carrierInfo[failed.carrier].name} ${failed.format} check digit does not hold${expected}`
    }
  }
}

/**
 * Turns one raw scan into what it is. Total: any string gives a result, never an exception, and never a
 * guess: a number is claimed only by a format whose check digit holds or that is distinctive enough.
 *
 * Precedence for bare digits (no AIM prefix, no separator; spaces and dashes between digit groups are
 * ignored): a GTIN (8/12/13/14 digits) or SSCC (18 digits, or "00" + 18) with a holding check digit wins
 * over any tracking format of the same length, unless `expect: "tracking"`. A tracking number whose check
 * digit holds wins over a GTIN whose does not. Where several carriers' formats fit, the result names the
 * most likely and lists all in `candidates`.
 */
export const identifyScan = (raw: string, options: IdentifyOptions = {}): ScanResult => {
  try {
    return identifyUnsafe(raw, options)
  } catch (error) {
    return unknown(raw, `internal error while identifying: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/**
 * The text `identifyScan` asks `resolveSku` about for this scan: the scan without its terminator and AIM symbology
 * identifier. Identification is synchronous, so a caller looks this one code up in its catalog first; undefined when
 * the scan is no text a SKU could be.
 */
export const skuCandidate = (raw: string): string | undefined => {
  const input = stripTerminator(raw)
  if (inputProblem(input) !== undefined) return undefined
  const data = /^\][A-Za-z][0-9A-Za-z]/.test(input) ? input.slice(3) : input
  return data === "" ? undefined : data
}

const identifyUnsafe = (raw: string, options: IdentifyOptions): ScanResult => {
  const input = stripTerminator(raw)
  const problem = inputProblem(input)
  if (problem !== undefined) return unknown(input, problem)
  const referenceYear = options.referenceYear ?? 2025
  let data = input
  const symbology = /^\][A-Za-z][0-9A-Za-z]/.test(data) ? data.slice(0, 3) : undefined
  if (symbology !== undefined) {
    data = data.slice(3)
    if (data === "") return unknown(input, `symbology identifier ${symbology} with no data`)
    if (gs1Symbologies.has(symbology)) return gs1Result(input, "gs1", parseElementString(data, referenceYear))
    if (eanSymbologies.has(symbology)) {
      return /^\d+$/.test(data) && productLengths.has(data.length)
        ? gtinResult(input, data)
        : unknown(input, `EAN/UPC symbology ${symbology} but "${data}" is not 8, 12, 13 or 14 digits`)
    }
  }
  if (data.startsWith(GS) || data.includes(GS)) return gs1Result(input, "gs1", parseElementString(data, referenceYear))

  const packbench = parsePackbenchCode(data, options.rmaHosts ?? [defaultRmaHost])
  if (packbench !== undefined) {
    if (packbench.type === undefined) return unknown(input, packbench.reason)
    const { type, id, valid, reason } = packbench
    return reason === undefined
      ? { input, kind: "packbench", valid, type, id }
      : { input, kind: "packbench", valid, type, id, reason }
  }

  const returnUrl = options.returnUrls === undefined ? undefined : parseReturnUrl(data, options.returnUrls)
  if (returnUrl?.ok) {
    return { input, kind: "packbench", valid: true, type: "rma", id: returnUrl.rma, orderId: returnUrl.orderId }
  }
  if (returnUrl !== undefined && returnUrl.code !== "foreign") {
    return { input, kind: "packbench", valid: false, type: "rma", id: "", reason: returnUrl.reason }
  }

  if (/^https?:\/\//i.test(data)) {
    const link = parseDigitalLink(data, referenceYear)
    if (link !== undefined) return gs1Result(input, "digital-link", link)
  }
  const humanReadable = fromHumanReadable(data)
  if (humanReadable !== undefined) return gs1Result(input, "gs1", parseElementString(humanReadable, referenceYear))

  // Digits printed or typed in groups ("4 006381 333931", "0307 1790 0005 2348 3741") are the same number.
  const digits = /^\d[\d -]*\d$/.test(data) ? data.replace(/[ -]/g, "") : data
  const digitsOnly = /^\d+$/.test(digits)
  const number = normaliseTrackingNumber(data)
  const tracking = options.expect === "tracking" ? decideTracking(input, number, options) : undefined
  if (tracking?.result.valid) return tracking.result

  if (digitsOnly && productLengths.has(digits.length) && hasValidGs1CheckDigit(digits)) return gtinResult(input, digits)
  if (digitsOnly && digits.length === 18 && hasValidGs1CheckDigit(digits)) {
    return { input, kind: "sscc", valid: true, ais: [{ ai: "00", value: digits }] }
  }
  const bareGs1 =
    /^0[0-2]\d{14}/.test(digits) && digits.length !== 18 ? parseElementString(digits, referenceYear) : undefined
  if (bareGs1 !== undefined && bareGs1.errors.length === 0) return gs1Result(input, "gs1", bareGs1)

  const sku = options.resolveSku?.(data)
  if (sku !== undefined) return { input, kind: "sku", valid: true, sku }

  const decision = tracking ?? decideTracking(input, number, options)
  if (decision?.result.valid) return decision.result
  if (digitsOnly && productLengths.has(digits.length)) return gtinResult(input, digits)
  if (decision !== undefined) return decision.result
  if (bareGs1 !== undefined && bareGs1.ais.length > 0) return gs1Result(input, "gs1", bareGs1)
  if (digitsOnly && digits.length === 18) return unknown(input, "18 digits but the SSCC check digit does not hold")
  return unknown(input, describeUnknown(digits, digitsOnly))
}

const describeUnknown = (data: string, digitsOnly: boolean): string =>
  digitsOnly
    ? `${data.length}-digit number matches no GTIN, SSCC or tracking format with a holding check digit`
    : `not a GTIN, GS1, Digital Link, tracking number, Packbench code or known SKU (${data.length} characters)`
