/** Checks a shipping address against its country's rules and the carrier's, and formats the label block. */
import type { Address, AddressField } from "./Address.ts"
import { addressFields } from "./Address.ts"
import type { AddressCarrier } from "./AddressCarrier.ts"
import type { AddressErrorCode, AddressMessages, Locale } from "./AddressMessages.ts"
import { messagesFor } from "./AddressMessages.ts"
import type { Charset } from "./Charset.ts"
import { unprintableCharacters } from "./Charset.ts"
import type { CountryRule } from "./CountryRule.ts"
import { compiledPattern } from "./compiledPattern.ts"
import { countryRules } from "./countryRules.generated.ts"
import { detectPoBox } from "./detectPoBox.ts"
import { findRegion, formatAddressLines } from "./formatAddress.ts"
import { normalisePostalCode } from "./normalisePostalCode.ts"
import { hasPostalPlaces, placesOf, samePlace } from "./postalPlaces.ts"

export interface CheckOptions {
  readonly locale?: Locale
  /** The carrier that will take the parcel; without one, post-office boxes are not judged. */
  readonly carrier?: AddressCarrier
  readonly originCountry?: string
  /** What the label printer can print; "latin" unless told otherwise. */
  readonly charset?: Charset
  /** Characters per label line; the carrier's, else 35 (DHL, UPS). */
  readonly maxLineLength?: number
}

export interface AddressError {
  readonly field: AddressField | ""
  readonly code: AddressErrorCode
  readonly message: string
}

export interface AddressCheck {
  readonly ok: boolean
  readonly errors: ReadonlyArray<AddressError>
  readonly formatted: ReadonlyArray<string>
}

export const defaultMaxLineLength = 35

const requiredFieldOfLetter: Readonly<Record<string, AddressField>> = {
  N: "name",
  O: "company",
  A: "street1",
  C: "city",
  S: "region",
  Z: "postalCode"
}

const describe = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`

const quoteAll = (characters: ReadonlyArray<string>): string => characters.map((c) => `"${c}"`).join(" ")

const examplesOf = (values: ReadonlyArray<string>): string => values.slice(0, 3).join(", ")

/** Reads the known fields of an untrusted object; anything that is not text is reported, not guessed at. */
const decodeFields = (
  input: object,
  messages: AddressMessages
): { readonly address: Address; readonly errors: ReadonlyArray<AddressError> } => {
  const address: Partial<Record<AddressField, string>> = {}
  const errors: Array<AddressError> = []
  const record = input as Readonly<Record<string, unknown>>
  for (const field of addressFields) {
    const value = Object.hasOwn(record, field) ? record[field] : undefined
    if (typeof value === "string") {
      if (value.trim() !== "") address[field] = value.trim()
    } else if (value !== undefined && value !== null) {
      errors.push({ field, code: "invalid-input", message: messages.notText(field, describe(value)) })
    }
  }
  return { address, errors }
}

const ruleFor = (country: string): CountryRule | undefined => {
  const code = country.toUpperCase()
  return /^[A-Z]{2}$/.test(code) && Object.hasOwn(countryRules, code) ? countryRules[code] : undefined
}

const checkPostalCodeAndRegion = (
  address: Address,
  rule: CountryRule,
  messages: AddressMessages,
  countryName: string
): ReadonlyArray<AddressError> => {
  const errors: Array<AddressError> = []
  const postalCode = address.postalCode === undefined ? undefined : normalisePostalCode(rule, address.postalCode)
  if (address.postalCode !== undefined && postalCode === undefined) {
    errors.push({
      field: "postalCode",
      code: "postal-code-format",
      message: messages.postalCodeFormat(address.postalCode, countryName, examplesOf(rule.postalCodeExamples))
    })
  }
  if (address.region === undefined || rule.regions.length === 0) return errors
  const region = findRegion(rule, address.region)
  if (region === undefined) {
    if (rule.required.includes("S")) {
      const examples = rule.regions.map((candidate) => candidate.latinName ?? candidate.key)
      errors.push({
        field: "region",
        code: "unknown-region",
        message: messages.unknownRegion(address.region, countryName, examplesOf(examples))
      })
    }
    return errors
  }
  if (
    postalCode !== undefined &&
    region.postalCodePrefix !== undefined &&
    !compiledPattern(region.postalCodePrefix, "prefix").test(postalCode)
  ) {
    errors.push({
      field: "postalCode",
      code: "postal-code-region-mismatch",
      message: messages.postalCodeRegionMismatch(postalCode, region.latinName ?? region.name ?? region.key)
    })
  }
  return errors
}

const checkPoBoxes = (
  address: Address,
  carrier: AddressCarrier | undefined,
  messages: AddressMessages
): ReadonlyArray<AddressError> => {
  if (carrier === undefined) return []
  return (["street1", "street2", "company"] as const).flatMap((field): ReadonlyArray<AddressError> => {
    const value = address[field]
    const kind = value === undefined ? undefined : detectPoBox(value)
    if (kind === "packstation" && carrier.acceptsPackstation !== true) {
      return [{ field, code: "po-box-refused", message: messages.packstationRefused(carrier.name) }]
    }
    if (kind === "po-box" && carrier.refusesPoBox) {
      return [{ field, code: "po-box-refused", message: messages.poBoxRefused(carrier.name) }]
    }
    return []
  })
}

const checkCharacters = (
  address: Address,
  rule: CountryRule,
  charset: Charset,
  messages: AddressMessages,
  countryName: string
): ReadonlyArray<AddressError> => {
  const unprintable = addressFields
    .filter((field) => field !== "country")
    .map((field) => {
      const characters = unprintableCharacters(address[field] ?? "", charset)
      // A region the data knows by a printable Latin name is printed by that name in the Latin layout.
      const latinName = field === "region" ? findRegion(rule, address.region ?? "")?.latinName : undefined
      const printable = latinName !== undefined && unprintableCharacters(latinName, charset).length === 0
      return { field, characters: printable ? [] : characters }
    })
    .filter(({ characters }) => characters.length > 0)
  const fieldList = unprintable.map(({ field }) => messages.fieldLabel[field]).join(", ")
  return unprintable.map(({ field, characters }) => {
    const region = field === "region" && address.region !== undefined ? findRegion(rule, address.region) : undefined
    const hint =
      rule.latinFormat === undefined
        ? messages.transliterateHint()
        : messages.latinAddressHint(countryName, fieldList) +
          (region?.latinName === undefined ? "" : ` ${messages.latinRegionHint(region.latinName)}`)
    return {
      field,
      code: "unsupported-characters" as const,
      message: `${messages.unsupportedCharacters(messages.fieldLabel[field], quoteAll(characters))} ${hint}`
    }
  })
}

/** Countries whose street addresses carry a house number (a street alone does not find the door). */
const HOUSE_NUMBER_COUNTRIES: ReadonlySet<string> = new Set(["DE", "AT", "CH", "NL", "BE", "LU", "DK", "PL", "CZ"])

const checkPostalPlace = (address: Address, rule: CountryRule, messages: AddressMessages, countryName: string) => {
  const country = rule.code
  if (!hasPostalPlaces(country) || address.postalCode === undefined || address.city === undefined) return []
  const postalCode = normalisePostalCode(rule, address.postalCode)
  if (postalCode === undefined) return []
  const places = placesOf(country, postalCode)
  if (places === undefined) {
    return [
      {
        field: "postalCode" as const,
        code: "postal-code-unknown" as const,
        message: messages.postalCodeUnknown(postalCode, countryName)
      }
    ]
  }
  if (places.some((place) => samePlace(address.city!, place))) return []
  const named = places.slice(0, 3).join(" / ") + (places.length > 3 ? " …" : "")
  return [
    {
      field: "city" as const,
      code: "postal-code-city-mismatch" as const,
      message: messages.postalCodeCityMismatch(postalCode, address.city, named)
    }
  ]
}

/**
 * A street address needs its house number where the country numbers its houses; a Packstation or Postfiliale needs
 * the customer's Postnummer instead (6 to 10 digits), wherever it was typed.
 */
const checkDoor = (address: Address, rule: CountryRule, messages: AddressMessages, countryName: string) => {
  const street = address.street1
  if (street === undefined) return []
  const lines = [address.street1, address.street2, address.company].filter((line) => line !== undefined)
  const point = lines.map((line) => /\b(packstation|postfiliale|poststation)\b/i.exec(line)?.[1]).find(Boolean)
  if (point !== undefined) {
    const candidates = [address.name, address.company, address.street2, address.street1].filter(
      (line): line is string => line !== undefined
    )
    const hasPostnummer = candidates.some((line) => /(?:^|\D)\d{6,10}(?:\D|$)/.test(line))
    return hasPostnummer
      ? []
      : [
          {
            field: "street2" as const,
            code: "postnummer-missing" as const,
            message: messages.postnummerMissing(point[0]!.toUpperCase() + point.slice(1).toLowerCase())
          }
        ]
  }
  if (!HOUSE_NUMBER_COUNTRIES.has(rule.code) || detectPoBox(street) !== undefined || /\d/.test(street)) return []
  return [
    {
      field: "street1" as const,
      code: "house-number-missing" as const,
      message: messages.houseNumberMissing(street, countryName)
    }
  ]
}

/**
 * Checks a ship-to address against the destination country's rules and the carrier's label, and lays it out
 * for the label. Never throws on bad input: every problem is an error entry naming the field.
 */
export const checkAddress = (input: unknown, options: CheckOptions = {}): AddressCheck => {
  const messages = messagesFor(options.locale ?? "en")
  const maxLineLength = options.maxLineLength ?? options.carrier?.maxLineLength ?? defaultMaxLineLength
  if (!Number.isInteger(maxLineLength) || maxLineLength < 1) {
    throw new RangeError(`checkAddress: maxLineLength must be a positive integer, got ${maxLineLength}`)
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return {
      ok: false,
      errors: [{ field: "", code: "invalid-input", message: messages.notAnObject(describe(input)) }],
      formatted: []
    }
  }
  const { address, errors: decodeErrors } = decodeFields(input, messages)
  const errors: Array<AddressError> = [...decodeErrors]
  if (address.country === undefined) {
    errors.push({ field: "country", code: "required", message: messages.required(messages.fieldLabel.country, "?") })
    return { ok: false, errors, formatted: [] }
  }
  const rule = ruleFor(address.country)
  if (rule === undefined) {
    errors.push({ field: "country", code: "unknown-country", message: messages.unknownCountry(address.country) })
    return { ok: false, errors, formatted: [] }
  }
  const countryName = options.locale === "de" ? rule.names.de : rule.names.en
  const charset = options.charset ?? "latin"

  for (const letter of rule.required) {
    const field = requiredFieldOfLetter[letter]
    if (field !== undefined && address[field] === undefined) {
      errors.push({ field, code: "required", message: messages.required(messages.fieldLabel[field], countryName) })
    }
  }
  if (address.name === undefined && address.company === undefined && !rule.required.includes("N")) {
    errors.push({ field: "name", code: "required", message: messages.requiredRecipient() })
  }
  errors.push(...checkPostalCodeAndRegion(address, rule, messages, countryName))
  errors.push(...checkPostalPlace(address, rule, messages, countryName))
  errors.push(...checkDoor(address, rule, messages, countryName))
  errors.push(...checkPoBoxes(address, options.carrier, messages))
  errors.push(...checkCharacters(address, rule, charset, messages, countryName))

  const lines = formatAddressLines(address, rule, {
    charset,
    maxLineLength,
    ...(options.originCountry === undefined ? {} : { originCountry: options.originCountry })
  })
  for (const line of lines) {
    const length = [...line.text].length
    if (line.fields.includes("country") || length <= maxLineLength) continue
    const field = line.fields[0] ?? ""
    const label = field === "" ? "" : messages.fieldLabel[field]
    errors.push({
      field,
      code: "line-too-long",
      message: messages.lineTooLong(label, line.text, length, maxLineLength)
    })
  }
  return { ok: errors.length === 0, errors, formatted: lines.map((line) => line.text) }
}
