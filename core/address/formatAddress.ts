/** Lays an address out as its country prints it on a label. */
import type { Address, AddressField } from "./Address.ts"
import { addressFields } from "./Address.ts"
import type { Charset } from "./Charset.ts"
import { unprintableCharacters } from "./Charset.ts"
import type { CountryRule, Region } from "./CountryRule.ts"
import { normalisePostalCode } from "./normalisePostalCode.ts"

export interface FormatOptions {
  /** Where the parcel leaves from: an address in the same country gets no country line. */
  readonly originCountry?: string
  readonly charset?: Charset
  /** The country line shows the local name beside the English one only when both fit. */
  readonly maxLineLength?: number
}

/** One line of the label's address block and the address fields printed on it. */
export interface FormattedLine {
  readonly text: string
  readonly fields: ReadonlyArray<AddressField>
}

type Part = { readonly literal: string } | { readonly field: "N" | "O" | "A" | "C" | "S" | "Z" | "other" }

const fieldOfLetter: Readonly<Record<string, Exclude<AddressField, "street1" | "street2" | "country">>> = {
  N: "name",
  O: "company",
  C: "city",
  S: "region",
  Z: "postalCode"
}

const parseLine = (line: string): Array<Part> => {
  const parts: Array<Part> = []
  for (const [index, piece] of line.split(/%([A-Za-z])/).entries()) {
    if (index % 2 === 0) {
      if (piece !== "") parts.push({ literal: piece })
    } else {
      parts.push({ field: piece === "A" || piece in fieldOfLetter ? (piece as "A") : "other" })
    }
  }
  return parts
}

const isLiteral = (part: Part | undefined): boolean => part !== undefined && "literal" in part

/**
 * Drops the empty fields of one format line with the text that belongs to them, as libaddressinput does: the
 * separator before a field ("%C, %S" -> ", "), or for the line's first field its prefix ("〒", "CH-") and the
 * separator after it.
 */
const withoutEmptyFields = (parts: ReadonlyArray<Part>, isEmpty: (part: Part) => boolean): Array<Part> => {
  const kept = [...parts]
  let index = 0
  while (index < kept.length) {
    const part = kept[index]!
    if (!("field" in part) || !isEmpty(part)) {
      index++
      continue
    }
    const isFirstField = !kept.slice(0, index).some((earlier) => "field" in earlier)
    let start = index
    let end = index + 1
    if (isLiteral(kept[start - 1])) start--
    if (isFirstField && isLiteral(kept[end])) end++
    kept.splice(start, end - start)
    index = start
  }
  return kept
}

const text = (value: string | undefined): string => value?.trim() ?? ""

const norm = (value: string): string => value.normalize("NFC").trim().toLowerCase()

/** The region the value names, matched against the data's key, local name, Latin name or ISO code. */
export const findRegion = (rule: CountryRule, value: string): Region | undefined => {
  const wanted = norm(value)
  if (wanted === "") return undefined
  return rule.regions.find((region) =>
    [region.key, region.name, region.latinName, region.isoId].some(
      (candidate) => candidate !== undefined && norm(candidate) === wanted
    )
  )
}

const isLatinText = (value: string | undefined): boolean =>
  value === undefined || unprintableCharacters(value, "latin").length === 0

/**
 * Whether the address is laid out with the country's Latin-script format (`lfmt`) rather than its own (`fmt`).
 * A region typed in the local script still counts as Latin when the data knows its Latin name ("東京都" -> Tokyo).
 */
export const usesLatinFormat = (rule: CountryRule, address: Address): boolean =>
  rule.latinFormat !== undefined &&
  addressFields.every((field) =>
    field === "region"
      ? isLatinText(address.region) || findRegion(rule, address.region ?? "")?.latinName !== undefined
      : isLatinText(address[field])
  )

/** The region as the label shows it: the data's key ("CA" for California), its Latin name in a Latin layout. */
export const shownRegion = (rule: CountryRule, address: Address): string => {
  const typed = text(address.region)
  const region = findRegion(rule, typed)
  if (region === undefined) return typed
  return usesLatinFormat(rule, address) ? (region.latinName ?? region.key) : region.key
}

const countryLine = (rule: CountryRule, options: FormatOptions): string => {
  const english = rule.name.toUpperCase()
  const local = rule.localName?.toUpperCase()
  if (local === undefined || local === english) return english
  const combined = `${english} / ${local}`
  const printable = unprintableCharacters(local, options.charset ?? "latin").length === 0
  return printable && combined.length <= (options.maxLineLength ?? 35) ? combined : english
}

/**
 * The address block in the destination country's convention (Google's `fmt`): lines in the country's order,
 * the fields it wants in capitals upper-cased, empty fields dropped with the punctuation that belonged to them,
 * and the destination country as the last line unless the parcel stays in its origin country. A field the
 * format has no place for still gets printed, so nothing the customer wrote disappears from the label.
 */
export const formatAddressLines = (
  address: Address,
  rule: CountryRule,
  options: FormatOptions = {}
): ReadonlyArray<FormattedLine> => {
  const latin = usesLatinFormat(rule, address)
  const format = latin ? (rule.latinFormat ?? rule.format) : rule.format
  const upper = (letter: string, value: string): string => (rule.upper.includes(letter) ? value.toUpperCase() : value)
  const postalCode = text(address.postalCode)
  const shown: Record<string, string> = {
    name: upper("N", text(address.name)),
    company: upper("O", text(address.company)),
    city: upper("C", text(address.city)),
    region: upper("S", shownRegion(rule, address)),
    postalCode: upper("Z", postalCode === "" ? "" : (normalisePostalCode(rule, postalCode) ?? postalCode))
  }
  const formatHas = (letter: string): boolean => format.includes(`%${letter}`)
  const streetLines = [text(address.street1), text(address.street2)]
  // Countries without a city field (JP, SG…) write the town as part of the street lines.
  if (!formatHas("C")) streetLines.push(shown.city ?? "")
  const streets = streetLines.filter((line) => line !== "").map((line) => upper("A", line))
  const streetFields: Array<AddressField> = (["street1", "street2"] as const).filter(
    (field) => text(address[field]) !== ""
  )
  if (!formatHas("C") && shown.city !== "") streetFields.push("city")

  const lines: Array<FormattedLine> = []
  for (const line of format.split("%n")) {
    const parts = parseLine(line)
    if (parts.length === 1 && "field" in parts[0]! && parts[0].field === "A") {
      for (const [index, street] of streets.entries()) {
        lines.push({ text: street, fields: index < streetFields.length ? [streetFields[index]!] : [] })
      }
      continue
    }
    const partText = (part: Part): string => {
      if (!("field" in part)) return part.literal
      if (part.field === "A") return streets.join(", ")
      if (part.field === "other") return ""
      return shown[fieldOfLetter[part.field]!] ?? ""
    }
    const kept = withoutEmptyFields(parts, (part) => partText(part) === "")
    if (!kept.some((part) => "field" in part)) continue
    const fields = kept.flatMap((part): Array<AddressField> => {
      if (!("field" in part) || part.field === "other") return []
      return part.field === "A" ? streetFields : [fieldOfLetter[part.field]!]
    })
    lines.push({ text: kept.map(partText).join("").trim(), fields })
  }

  const placed = new Set(lines.flatMap((line) => line.fields))
  const unplaced = (["city", "region", "postalCode"] as const).filter(
    (field) => !placed.has(field) && (shown[field] ?? "") !== ""
  )
  if (unplaced.length > 0) lines.push({ text: unplaced.map((field) => shown[field]).join(" "), fields: unplaced })

  const origin = options.originCountry?.trim().toUpperCase()
  if (origin !== rule.code) lines.push({ text: countryLine(rule, options), fields: ["country"] })
  return lines
}

export const formatAddress = (
  address: Address,
  rule: CountryRule,
  options: FormatOptions = {}
): ReadonlyArray<string> => formatAddressLines(address, rule, options).map((line) => line.text)
