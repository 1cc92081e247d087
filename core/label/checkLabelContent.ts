/** Checks that a label's text fits its fields and can be printed by the label printer's font. */
import { hasValidDhlCheckDigit } from "../carrier/DhlCodes.ts"
import type { CustomsDeclaration } from "./CustomsDeclaration.ts"
import { LabelContentError, type ShippingLabel } from "./ShippingLabel.ts"

/**
 * What ^CI28 with font 0 prints: Basic Latin, Latin-1 Supplement, Latin Extended-A, Greek and
 * Cyrillic (and the euro sign). Anything else (CJK, emoji, control characters) would come out
 * as blanks or garbage on the label, so it is refused before a job is built.
 */
const isPrintable = (cp: number): boolean =>
  (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0x17f) || (cp >= 0x370 && cp <= 0x4ff) || cp === 0x20ac

export const ADDRESS_MAX_LINES = 5
export const ADDRESS_MAX_CHARS = 40
const SHORT_TEXT_MAX_CHARS = 40

/** Code 128 subset B content the label's barcodes carry; kept to characters every carrier uses. */
const TRACKING = /^[0-9A-Za-z-]{4,30}$/
const ROUTING = /^[0-9A-Za-z .\-/]{1,16}$/

const badCharacter = (text: string): string | undefined => {
  for (const char of text) {
    if (!isPrintable(char.codePointAt(0)!)) return char
  }
  return undefined
}

const describe = (char: string): string => {
  const hex = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")
  return char.codePointAt(0)! < 0x20 ? `control character U+${hex}` : `"${char}" (U+${hex})`
}

/** GS1 General Specifications 7.9.1: mod-10 check digit, weights 3 and 1 from the right. */
export const gs1CheckDigit = (digits: string): number => {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    const digit = Number(digits[digits.length - 1 - i])
    sum += i % 2 === 0 ? digit * 3 : digit
  }
  return (10 - (sum % 10)) % 10
}

const text = (field: string, value: string, maxChars: number): LabelContentError | undefined => {
  const bad = badCharacter(value)
  if (bad !== undefined) {
    return new LabelContentError({
      field,
      message: `${field} contains ${describe(bad)}, which the label printer cannot print (font 0, UTF-8)`
    })
  }
  if ([...value].length > maxChars) {
    return new LabelContentError({
      field,
      message: `${field} is ${[...value].length} characters long; the label fits ${maxChars}`
    })
  }
  return undefined
}

const address = (field: string, lines: ReadonlyArray<string>): LabelContentError | undefined => {
  if (lines.length === 0 || lines.length > ADDRESS_MAX_LINES) {
    return new LabelContentError({
      field,
      message: `${field} has ${lines.length} lines; a label address needs 1 to ${ADDRESS_MAX_LINES}`
    })
  }
  for (const [index, line] of lines.entries()) {
    const problem = text(`${field}[${index}]`, line, ADDRESS_MAX_CHARS)
    if (problem) return problem
  }
  return undefined
}

/** The first thing on the label the printer could not print, or `undefined` when all of it prints. */
export const checkLabelContent = (label: ShippingLabel): LabelContentError | undefined => {
  const problem =
    address("shipFrom", label.shipFrom) ??
    address("shipTo", label.shipTo) ??
    text("carrier.name", label.carrier.name, 16) ??
    text("carrier.service", label.carrier.service, 30) ??
    text("orderId", label.orderId, SHORT_TEXT_MAX_CHARS) ??
    text("parcelId", label.parcelId, SHORT_TEXT_MAX_CHARS) ??
    (label.reference === undefined ? undefined : text("reference", label.reference, SHORT_TEXT_MAX_CHARS))
  if (problem) return problem
  if (!TRACKING.test(label.trackingNumber)) {
    return new LabelContentError({
      field: "trackingNumber",
      message: `trackingNumber "${label.trackingNumber}" must be 4 to 30 letters, digits or dashes`
    })
  }
  if (!ROUTING.test(label.routingCode)) {
    return new LabelContentError({
      field: "routingCode",
      message: `routingCode "${label.routingCode}" must be 1 to 16 letters, digits, spaces, dots, dashes or slashes`
    })
  }
  if (!Number.isFinite(label.weightGrams) || label.weightGrams <= 0 || label.weightGrams > 1_000_000) {
    return new LabelContentError({
      field: "weightGrams",
      message: `weightGrams ${label.weightGrams} must be a positive number of grams up to 1000000`
    })
  }
  for (const [field, code, length] of [
    ["leitcode", label.leitcode, 14],
    ["identcode", label.identcode, 12]
  ] as const) {
    if (code !== undefined && !hasValidDhlCheckDigit(code, length)) {
      return new LabelContentError({
        field,
        message: `${field} "${code}" must be ${length} digits ending in DHL's check digit (weights 4 and 9)`
      })
    }
  }
  if (label.customs !== undefined) {
    const problem = checkCustoms(label.customs)
    if (problem) return problem
  }
  if (label.sscc !== undefined) {
    if (!/^[0-9]{18}$/.test(label.sscc)) {
      return new LabelContentError({ field: "sscc", message: `sscc "${label.sscc}" must be exactly 18 digits` })
    }
    const expected = gs1CheckDigit(label.sscc.slice(0, 17))
    if (Number(label.sscc[17]) !== expected) {
      return new LabelContentError({
        field: "sscc",
        message: `sscc "${label.sscc}" has check digit ${label.sscc[17]}; GS1 mod-10 gives ${expected}`
      })
    }
  }
  return undefined
}

const customsFailure = (field: string, message: string) => new LabelContentError({ field, message })

/** A declaration customs can read: every item described, classified, counted, weighed and valued, in bounds. */
const checkCustoms = (customs: CustomsDeclaration): LabelContentError | undefined => {
  if (!/^[A-Z]{3}$/.test(customs.currency)) {
    return customsFailure("customs.currency", `currency "${customs.currency}" must be an ISO 4217 code such as EUR`)
  }
  if (customs.items.length === 0 || customs.items.length > 100) {
    return customsFailure("customs.items", `a declaration lists 1 to 100 kinds of goods, not ${customs.items.length}`)
  }
  for (const [index, item] of customs.items.entries()) {
    const field = `customs.items[${index}]`
    const problem = text(`${field}.description`, item.description, 40)
    if (problem) return problem
    if (item.description.trim() === "") return customsFailure(`${field}.description`, "the goods need a description")
    if (!/^\d{6,10}$/.test(item.hsCode)) {
      return customsFailure(`${field}.hsCode`, `HS code "${item.hsCode}" must be 6 to 10 digits`)
    }
    if (!/^[A-Z]{2}$/.test(item.originCountry)) {
      return customsFailure(
        `${field}.originCountry`,
        `origin "${item.originCountry}" must be a two-letter country code`
      )
    }
    if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > 100_000) {
      return customsFailure(`${field}.quantity`, `quantity ${item.quantity} must be a whole number from 1 to 100000`)
    }
    if (!Number.isInteger(item.netWeightGrams) || item.netWeightGrams < 1 || item.netWeightGrams > 1_000_000) {
      return customsFailure(`${field}.netWeightGrams`, `net weight ${item.netWeightGrams} g must be 1 to 1000000 g`)
    }
    if (!Number.isInteger(item.valueCents) || item.valueCents < 0 || item.valueCents > 100_000_000) {
      return customsFailure(`${field}.valueCents`, `value ${item.valueCents} must be 0 to 1000000.00`)
    }
  }
  const total = customs.items.reduce((sum, item) => sum + item.valueCents, 0)
  if (total !== customs.totalValueCents) {
    return customsFailure("customs.totalValueCents", `total ${customs.totalValueCents} is not the items' ${total}`)
  }
  return text("customs.sender", customs.sender, 40) ?? text("customs.invoice", customs.invoice, 40)
}
