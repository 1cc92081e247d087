/** Writes GS1 element-string values as a GS1 Digital Link URI (GS1 Digital Link: URI Syntax 1.2). */
import { aiTable } from "./aiTable.generated.ts"
import type { ElementString } from "./parseElementString.ts"
import { validateAiValue } from "./validateAiValue.ts"

export type FormattedDigitalLink =
  | { readonly ok: true; readonly uri: string }
  | { readonly ok: false; readonly reason: string }

/**
 * Every character outside RFC 3986's unreserved set is percent-encoded, so a value's "/", "?", "&", "=", "%" and "#"
 * never read as URI syntax; the URI syntax standard asks for this of the CSET 82 characters that are not unreserved.
 */
const encodeValue = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)

/**
 * Makes the Digital Link URI of `ais` under `stem` (no trailing slash): the first AI that is a Digital Link primary
 * key goes first in the path, then its key qualifiers in the order of the one alternative sequence that holds them
 * all, then every other AI as a query attribute. GTIN-8/12/13 must already be the GTIN-14 (the syntax wants 14
 * digits). Refuses what the URI syntax cannot express: no primary key, qualifiers of two alternatives, an AI that is
 * no data attribute, an AI given twice.
 */
export const formatDigitalLink = (
  ais: ReadonlyArray<ElementString>,
  stem = "https://id.gs1.org"
): FormattedDigitalLink => {
  const primary = ais.find((element) => aiTable[element.ai]?.dlPrimaryKey != null)
  if (primary === undefined) return { ok: false, reason: "no AI is a Digital Link primary key" }
  const seen = new Set<string>()
  for (const { ai } of ais) {
    if (seen.has(ai)) return { ok: false, reason: `AI (${ai}) is given more than once` }
    seen.add(ai)
  }
  const alternatives = aiTable[primary.ai]!.dlPrimaryKey!
  const inPath = (sequence: ReadonlyArray<string>) => ais.filter((element) => sequence.includes(element.ai))
  const allQualifiers = new Set(alternatives.flat())
  const given = ais.filter((element) => allQualifiers.has(element.ai))
  const sequence = alternatives.find((candidate) => inPath(candidate).length === given.length)
  if (sequence === undefined) {
    return {
      ok: false,
      reason: `the key qualifiers ${given.map((e) => e.ai).join(",")} mix alternatives of AI (${primary.ai})`
    }
  }
  const qualifiers = [...inPath(sequence)].sort((a, b) => sequence.indexOf(a.ai) - sequence.indexOf(b.ai))
  const attributes = ais.filter((element) => element !== primary && !allQualifiers.has(element.ai))
  const notAttribute = attributes.find((element) => aiTable[element.ai]?.dlDataAttribute !== true)
  if (notAttribute !== undefined) {
    return { ok: false, reason: `AI (${notAttribute.ai}) cannot be a Digital Link query attribute` }
  }
  const unencodable = ais.find((element) => !/^[^\uD800-\uDFFF]*$/u.test(element.value))
  if (unencodable !== undefined) return { ok: false, reason: `AI (${unencodable.ai}) holds broken Unicode` }
  const path = [primary, ...qualifiers].map(({ ai, value }) => `/${ai}/${encodeValue(value)}`).join("")
  const query = attributes.map(({ ai, value }) => `${ai}=${encodeValue(value)}`).join("&")
  return { ok: true, uri: `${stem}${path}${query === "" ? "" : `?${query}`}` }
}

/** The key qualifier that names a unit (AI 21, serial) or a class of a GTIN narrower than the GTIN (AI 10, lot). */
export interface ItemQualifier {
  readonly ai: "21" | "10"
  readonly value: string
}

/**
 * AIs (01), (10) and (21) hold no date, so the reference year a date check needs plays no part in their validation.
 */
const noDateYear = 2000

/**
 * The Digital Link URI that names a trade item in an EPCIS event's `what`: its GTIN as a catalog holds it (8, 12, 13
 * or 14 digits, written as the GTIN-14 the URI syntax wants) and optionally the serial or lot that narrows it. Every
 * value is checked as parseDigitalLink checks it (the GTIN's check digit, the serial's or lot's length and characters),
 * so what the station writes reads back without a problem; anything else is refused with the reason.
 */
export const itemDigitalLink = (gtin: string, qualifier?: ItemQualifier): FormattedDigitalLink => {
  if (!/^(\d{8}|\d{12,14})$/.test(gtin)) return { ok: false, reason: `"${gtin}" is no GTIN (8, 12, 13 or 14 digits)` }
  const ais: Array<ElementString> = [{ ai: "01", value: gtin.padStart(14, "0") }]
  if (qualifier !== undefined) ais.push({ ai: qualifier.ai, value: qualifier.value })
  const problems = ais.flatMap(({ ai, value }) => validateAiValue(aiTable[ai]!, value, noDateYear))
  if (problems.length > 0) return { ok: false, reason: problems.join("; ") }
  return formatDigitalLink(ais)
}
