/**
 * A shop's error in words: only the message and code fields of the shop's documented error shape, on one line, bounded,
 * with what looks like a customer's e-mail address, phone number or street address taken out. What a shop answers a
 * refused request with reaches the Shop card, the hub's database and its log, and shops echo what they hold: an
 * order's whole JSON, its customer's address in a validation message, an HTML error page of a proxy.
 */
import { cutText } from "../../../core/bounds/cutText.ts"
import { oneLine } from "../../../core/bounds/oneLine.ts"

/** The most characters of a shop's words the hub keeps. */
export const SHOP_WORDS_MAX = 200

/** How much of one field is looked at before it is bounded: a megabyte of words costs no more than this. */
const FIELD_READ_MAX = 2_000

/** Whose documented error shape an answer is read by: the connector's type. */
export type ShopErrorShape = "shopify" | "shopware" | "woocommerce" | "webhook"

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*/gu

/**
 * A run of digits with the separators phone numbers are written with. Taken as a phone when it holds 7 to 15 digits
 * (E.164's most) and starts with `+`, `0` or `(`, or has a separator: a bare run is more likely an id or an amount the
 * shop names, and an ISO date is a date.
 */
const DIGIT_RUN = /(?<![\p{L}\p{N}])\+?[\d(][\d ()./-]*\d(?![\p{L}\p{N}])/gu

const looksLikePhone = (run: string) => {
  const digits = run.replace(/\D/g, "").length
  if (digits < 7 || digits > 15) return false
  if (/^\d{4}-\d{2}-\d{2}$/.test(run)) return false
  return /^[+0(]/.test(run) || /[ ()./-]/.test(run.trim())
}

/** A word as a pattern in any case ("STRASSE", "Street"): the patterns around it tell capitals from small letters. */
const anyCase = (word: string) =>
  [...word]
    .map((c) =>
      c.toLowerCase() === c.toUpperCase() ? c.replace(/[.]/, "\\.") : `[${c.toLowerCase()}${c.toUpperCase()}]`
    )
    .join("")

/** Words that end a street's name in the shops' markets (German, English), as a suffix or a word of their own. */
const STREET_WORD = `[\\p{L}.-]*(?:${["straße", "strasse", "str.", "weg", "gasse", "allee", "platz", "ring", "damm", "ufer", "chaussee", "steig", "pfad"].map(anyCase).join("|")})|${["street", "st.", "road", "rd.", "avenue", "ave.", "ave", "lane", "drive", "boulevard", "blvd.", "blvd", "way", "court", "place", "square"].map(anyCase).join("|")}`
/** A house number: 11, 11a, 11-13, 11 b. */
const HOUSE_NUMBER = "\\d{1,5}(?:\\s?[a-zA-Z](?![\\p{L}]))?(?:-\\d{1,5})?"
/** "Hafenstraße 11", "Am Alten Hafen Weg 3" (the name before the street word), "221b Baker Street", "12 Main St." */
const STREET_LINE = new RegExp(
  `(?:(?:\\p{Lu}[\\p{L}.-]*\\s){0,3}(?:${STREET_WORD})\\s${HOUSE_NUMBER}|(?<![\\p{L}\\p{N}])${HOUSE_NUMBER}\\s(?:\\p{Lu}[\\p{L}.-]*\\s){0,3}(?:${STREET_WORD}))(?![\\p{L}\\p{N}])`,
  "gu"
)
/** A postal code with its town: "20459 Hamburg", "D-20459 Hamburg", "1010 Wien". */
const POSTAL_TOWN = /(?<![\p{L}\p{N}])(?:[A-Z]{1,2}-)?\d{4,5}\s\p{Lu}\p{Ll}+(?:[\s-]\p{Lu}\p{Ll}+)?/gu

/** Takes out what looks like a customer's e-mail address, phone number, or street address line with its town. */
export const redactCustomerData = (text: string): string =>
  text
    .replace(EMAIL, "[e-mail]")
    .replace(STREET_LINE, "[address]")
    .replace(POSTAL_TOWN, "[address]")
    .replace(DIGIT_RUN, (run) => (looksLikePhone(run) ? "[phone]" : run))

/** One line (`oneLine`), where bytes that were no UTF-8 (U+FFFD) count as control characters too. */
const wordsLine = (text: string) => oneLine(text.replace(/\uFFFD+/g, " "))

const bounded = (text: string) => cutText(text, SHOP_WORDS_MAX)

/**
 * A shop's own words (a field of its error shape, a refund's reason) as the hub keeps them: one line, the customer's
 * data taken out, at most `SHOP_WORDS_MAX` characters; undefined when nothing is left, or what is left reads as JSON or
 * markup (no words a person can act on; Shopify's own words may start with a bracket: "[API] Invalid API key").
 */
export const shopWords = (text: string): string | undefined => {
  const line = wordsLine(redactCustomerData(wordsLine(text.slice(0, FIELD_READ_MAX))))
  return line === "" || /^(?:[{<]|\[\s*[[{"\d\]])/.test(line) ? undefined : bounded(line)
}

const asRecord = (value: unknown): Readonly<Record<string, unknown>> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Readonly<Record<string, unknown>>)
    : undefined

const text = (value: unknown) => (typeof value === "string" ? value : undefined)

/** `code: message`, or whichever of the two there is. */
const coded = (code: unknown, message: unknown) => {
  const parts = [text(code), text(message)].filter((part) => part !== undefined && part.trim() !== "")
  return parts.length === 0 ? [] : [parts.join(": ")]
}

/** Lists at most this many errors of one answer: the first say what is wrong. */
const ERRORS_READ = 5

/**
 * Shopify: the REST Admin API's `{"errors": …}` (a string, a list of strings, or field → list of messages), which the
 * Admin API also answers a refused token or scope with; GraphQL's `errors[].message`.
 */
const shopifyMessages = (body: Readonly<Record<string, unknown>>): ReadonlyArray<string> => {
  const errors = body.errors
  if (typeof errors === "string") return [errors]
  if (Array.isArray(errors))
    return errors.slice(0, ERRORS_READ).flatMap((error) => text(error) ?? text(asRecord(error)?.message) ?? [])
  const byField = asRecord(errors)
  if (byField === undefined) return []
  return Object.entries(byField)
    .slice(0, ERRORS_READ)
    .flatMap(([field, messages]) => {
      const listed = (Array.isArray(messages) ? messages : [messages]).flatMap((message) => text(message) ?? [])
      return listed.length === 0 ? [] : [`${field} ${listed.join(", ")}`]
    })
}

/** Shopware 6: `errors[]` of `{code, title, detail}` (JSON:API); the detail says this occurrence, the title its kind. */
const shopwareMessages = (body: Readonly<Record<string, unknown>>): ReadonlyArray<string> =>
  Array.isArray(body.errors)
    ? body.errors.slice(0, ERRORS_READ).flatMap((error) => {
        const fields = asRecord(error)
        return fields === undefined ? [] : coded(fields.code, text(fields.detail) ?? fields.title)
      })
    : []

/**
 * WooCommerce (the WordPress REST API's error): `{code, message, data}`; and the generic shop's, which the README asks
 * for in the same shape: `{code?, message}`.
 */
const codeAndMessage = (body: Readonly<Record<string, unknown>>): ReadonlyArray<string> =>
  coded(body.code, body.message)

const readers: Record<ShopErrorShape, (body: Readonly<Record<string, unknown>>) => ReadonlyArray<string>> = {
  shopify: shopifyMessages,
  shopware: shopwareMessages,
  woocommerce: codeAndMessage,
  webhook: codeAndMessage
}

/**
 * The shop's words in its answer `body` to a refused request, read from its documented error shape only, or undefined
 * when the answer is of no such shape (an HTML page, plain text, an order's JSON, a body cut off): nothing else of it
 * is kept.
 */
export const shopErrorWordsOf = (shape: ShopErrorShape, body: string): string | undefined => {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return undefined
  }
  const fields = asRecord(parsed)
  if (fields === undefined) return undefined
  const words = readers[shape](fields).flatMap((message) => shopWords(message) ?? [])
  return words.length === 0 ? undefined : bounded(words.join("; "))
}

/** Shopify's GraphQL `errors[].message` and `userErrors[].message` as the hub keeps them. */
export const graphqlWords = (messages: ReadonlyArray<string>): string | undefined => {
  const words = messages.slice(0, ERRORS_READ).flatMap((message) => shopWords(message) ?? [])
  return words.length === 0 ? undefined : bounded(words.join("; "))
}
