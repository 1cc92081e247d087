/** A carrier's refusal in words: its own message read from the answer shapes label services use, bounded, never raw. */
import { cutText } from "../bounds/cutText.ts"
import { oneLine } from "../bounds/oneLine.ts"

/** The most characters of a carrier's words the station keeps and shows. */
export const CARRIER_WORDS_MAX = 200

/** Fields in which an answer, or an error object in it, gives its message; the first that holds words wins. */
const MESSAGE_FIELDS = ["detail", "message", "error", "validationMessage", "error_description", "title"] as const

/** Fields holding a list of errors, each read as an answer of its own. */
const LIST_FIELDS = ["errors", "items", "validationMessages"] as const

/** Fields holding a nested answer: UPS's `response`, DHL Parcel DE's `status`, an `error` object. */
const NESTED_FIELDS = ["response", "status", "error", "sstatus"] as const

const bounded = (text: string) => cutText(text, CARRIER_WORDS_MAX)

/** Words, not data: text that reads as JSON or markup is no message a person can act on. */
const isWords = (text: string) => text !== "" && !/^[[{<]/.test(text)

const asRecord = (value: unknown): Readonly<Record<string, unknown>> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Readonly<Record<string, unknown>>)
    : undefined

/** The messages an answer (or a part of it) gives, at most `depth` levels down. */
const messagesIn = (value: unknown, depth: number): ReadonlyArray<string> => {
  if (depth === 0) return []
  if (Array.isArray(value)) return value.flatMap((entry) => messagesIn(entry, depth - 1))
  const fields = asRecord(value)
  if (fields === undefined) return []
  // A list of errors or validation messages says more than the answer's summary beside it.
  const listed = LIST_FIELDS.flatMap((field) => messagesIn(fields[field], depth - 1))
  if (listed.length > 0) return listed
  for (const field of MESSAGE_FIELDS) {
    const text = fields[field]
    if (typeof text === "string" && isWords(oneLine(text))) {
      // DHL names the field a validation message is about: the message alone does not say which.
      const property = fields.property
      return [typeof property === "string" && property !== "" ? `${property}: ${oneLine(text)}` : oneLine(text)]
    }
  }
  for (const field of NESTED_FIELDS) {
    const nested = messagesIn(fields[field], depth - 1)
    if (nested.length > 0) return nested
  }
  return []
}

/**
 * The carrier's own message in its answer to a refused request, on one line and at most `CARRIER_WORDS_MAX`
 * characters, or undefined when it gives none the station can read. Read from the shapes label services answer with:
 * `{error}` or `{message}` (an `error` object's `message` too), an RFC 9457 problem document (`detail`, else `title`),
 * DHL Parcel DE Shipping's validation messages (`items[].validationMessages[]`, each with the field it names, else its
 * `status.detail`), UPS's `response.errors[].message`, an `errors` list; or a plain-text answer as it is. Never JSON or
 * markup: an answer of another shape, an HTML page or a cut-off body gives none.
 */
export const carrierWordsOf = (answer: string): string | undefined => {
  let body: unknown
  try {
    body = JSON.parse(answer)
  } catch {
    const text = oneLine(answer)
    return isWords(text) ? bounded(text) : undefined
  }
  const messages = typeof body === "string" ? [oneLine(body)].filter(isWords) : messagesIn(body, 5)
  return messages.length === 0 ? undefined : bounded(messages.join("; "))
}

/**
 * The English sentence a carrier's refusal is kept and logged as: the request refused, the HTTP status, and the
 * carrier's words (`carrierWordsOf`) or that it gave none the station can read. The raw answer goes to the log only.
 */
export const refusedText = (carrier: string, what: string, status: number, answer: string): string => {
  const words = carrierWordsOf(answer)
  return words === undefined
    ? `${carrier} refused the ${what} (HTTP ${status}) and gave no reason the station can read`
    : `${carrier} refused the ${what} (HTTP ${status}): ${words}`
}

const REFUSED = /^\S+ refused the \S+ \(HTTP (\d{3})\)(?:: ([\s\S]*))?/

/**
 * A kept refusal read back for a person: the HTTP status and the carrier's words. Also reads a refusal kept before the
 * words were read out (the raw answer after the status, perhaps cut off) and another adapter's, whose text is the
 * carrier's words.
 */
export const carrierRefusalOf = (kept: string): { readonly status?: number; readonly words?: string } => {
  const match = REFUSED.exec(kept)
  const words = carrierWordsOf(match === null ? kept : (match[2] ?? ""))
  return {
    ...(match === null ? {} : { status: Number(match[1]) }),
    ...(words === undefined ? {} : { words })
  }
}

/**
 * A kept refusal as a sentence quotes it: the carrier's words and status (`Postleitzahl passt nicht zum Ort (HTTP
 * 422)`), or the kept text itself when it holds no words the station can read (which then says so).
 */
export const quotedRefusal = (kept: string): string => {
  const { status, words } = carrierRefusalOf(kept)
  return words === undefined ? kept : status === undefined ? words : `${words} (HTTP ${status})`
}
