/**
 * The hub's customer mail as the text an SMTP server receives: RFC 5322 headers, a multipart/alternative body of a
 * plain-text and an HTML part (RFC 2046), both UTF-8 in quoted-printable (RFC 2045 §6.7), non-ASCII header text in
 * encoded-words (RFC 2047). Composed in one pass over strings: nodemailer's composer streamed every mail through a
 * pipeline of transforms and took ~0.7 ms of CPU a mail, most of a core at 1,000 mails/s.
 *
 * Every header value is either checked (addresses, Message-ID, language, unsubscribe URL) or encoded (subject and
 * display name), so nothing in a mail's fields can start a header of its own or end the header block.
 */

import { Effect } from "effect"
import { emailAddressProblem } from "../../../core/bounds/EmailAddress.ts"
import { MailerError, type OutgoingMail, recipientProblem } from "../../core/notify/Mailer.ts"

const CRLF = "\r\n"
/** RFC 5322 §2.1.1: a line SHOULD stay within 78 characters; headers are folded to that. */
const HEADER_LINE = 78
/** RFC 2045 §6.7 (5): an encoded line is at most 76 characters, the soft break's "=" among them. */
const QP_LINE = 76

/** Scratch buffers reused by every call (a call runs to its end without yielding); a larger text gets its own. */
const SCRATCH_BYTES = 64 * 1024
const scratch = { input: Buffer.allocUnsafe(SCRATCH_BYTES), output: Buffer.allocUnsafe(SCRATCH_BYTES * 4) }
const scratchFor = (inputBytes: number, outputBytes: number) =>
  inputBytes <= scratch.input.length && outputBytes <= scratch.output.length
    ? scratch
    : { input: Buffer.allocUnsafe(inputBytes), output: Buffer.allocUnsafe(outputBytes) }

/** The hex digits of "=XX" escapes, as bytes. */
const HEX = Buffer.from("0123456789ABCDEF", "latin1")
const EQUALS = 61
const DOT = 46
/** 1 for the bytes written as themselves wherever they stand: printable ASCII but "=" (a "." but at a line's start). */
const PLAIN = Uint8Array.from({ length: 256 }, (_, byte) => (byte > 32 && byte < 127 && byte !== EQUALS ? 1 : 0))
const CR = 13
const LF = 10

/**
 * `text` (its UTF-8 bytes) in quoted-printable with CRLF line breaks: every line break of the text (CRLF, LF or a lone
 * CR) is a hard break; a line longer than 76 characters gets soft breaks ("=" at its end), never inside an "=XX"; a
 * space or tab before a line's end, and a "." at a line's start (which a server without dot-stuffing would read as the
 * end of DATA), are written as "=XX". A lone surrogate is U+FFFD, as Buffer encodes it.
 *
 * Written byte by byte into a buffer kept for the next mail, read out once: a mail's only allocation is the string.
 * (Built as a string of pieces it allocated about 15 times the text's size a mail, in the young generation, whose
 * collections stop the hub's one thread: bench:hub-latency prints how often one meets a mail.)
 */
export const quotedPrintable = (text: string): string => {
  // At most 3 bytes of UTF-8 for each UTF-16 unit; every byte as "=XX" at most (a line break of one byte becomes
  // two), and a soft break of 3 after a line of at least 73 (a typed array drops writes past its end: keep this above).
  const most = text.length * 9
  const { input: bytes, output: out } = scratchFor(text.length * 3, most + Math.ceil(most / 72) * 3)
  const size = bytes.write(text, 0, "utf8")
  let length = 0
  let line = 0
  let index = 0
  while (index < size) {
    const byte = bytes[index]!
    if (PLAIN[byte] === 1 && line < QP_LINE - 1 && !(byte === DOT && line === 0)) {
      // A run of bytes written as themselves, up to the line's room.
      const start = index
      const end = Math.min(size, index + (QP_LINE - 1 - line))
      do out[length++] = bytes[index++]!
      while (index < end && PLAIN[bytes[index]!] === 1)
      line += index - start
      continue
    }
    index++
    if (byte === CR || byte === LF) {
      if (byte === CR && index < size && bytes[index] === LF) index++
      out[length++] = CR
      out[length++] = LF
      line = 0
      continue
    }
    const next = index < size ? bytes[index]! : LF
    const plainAnywhere = PLAIN[byte] === 1 || ((byte === 32 || byte === 9) && next !== CR && next !== LF)
    let plain = plainAnywhere && !(byte === DOT && line === 0)
    if (line + (plain ? 1 : 3) > QP_LINE - 1) {
      out[length++] = EQUALS
      out[length++] = CR
      out[length++] = LF
      line = 0
      // A "." the soft break puts at a line's start is escaped like any other there.
      plain = plainAnywhere && byte !== DOT
    }
    if (plain) {
      out[length++] = byte
      line++
    } else {
      out[length++] = EQUALS
      out[length++] = HEX[byte >> 4]!
      out[length++] = HEX[byte & 15]!
      line += 3
    }
  }
  return out.toString("latin1", 0, length)
}

/** Up to this many UTF-8 bytes go in one encoded-word: 52 base64 characters, a word of 64 with its "=?UTF-8?B?…?=". */
const WORD_BYTES = 39

/**
 * `text` as RFC 2047 "B" encoded-words of whole characters, each on a line of its own after the first (a decoder
 * joins adjacent encoded-words without the whitespace between them, RFC 2047 §6.2).
 */
const encodedWords = (text: string): string => {
  const words: Array<string> = []
  let chunk = ""
  let bytes = 0
  for (const character of text) {
    const size = Buffer.byteLength(character, "utf8")
    if (bytes + size > WORD_BYTES) {
      words.push(chunk)
      chunk = ""
      bytes = 0
    }
    chunk += character
    bytes += size
  }
  if (chunk !== "" || words.length === 0) words.push(chunk)
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, "utf8").toString("base64")}?=`).join(`${CRLF} `)
}

/** Control characters (a line break among them) become spaces: a subject or a name is one line of text. */
const oneLine = (text: string) => text.replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, " ")

/**
 * An unstructured header's value (RFC 5322 §3.2.5, the subject): printable ASCII folded at spaces so every line
 * stays within 78 characters with the header's name; anything else (non-ASCII, a word too long to fold) as
 * encoded-words.
 */
const unstructured = (name: string, value: string): string => {
  const text = oneLine(value)
  if (/^[\x20-\x7e]*$/.test(text) && !/^ | $/.test(text)) {
    const lines: Array<string> = []
    let line = `${name}:`
    for (const word of text.split(" ")) {
      if (word.length + 1 > HEADER_LINE - 1) return `${name}: ${encodedWords(text)}`
      if (line !== `${name}:` && line.length + 1 + word.length > HEADER_LINE) {
        lines.push(line)
        line = ""
      }
      line += ` ${word}`
    }
    lines.push(line)
    return lines.join(CRLF)
  }
  return `${name}: ${encodedWords(text)}`
}

/** RFC 5322 §3.2.3 atext: a display name of these and single spaces goes in as it is. */
const PLAIN_NAME = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?: [A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/

/** A display name (RFC 5322 §3.4 phrase): atoms as they are, other printable ASCII quoted, the rest encoded-words. */
const displayName = (name: string): string => {
  const text = oneLine(name).trim()
  if (PLAIN_NAME.test(text)) return text
  if (/^[\x20-\x7e]*$/.test(text)) return `"${text.replace(/["\\]/g, "\\$&")}"`
  return encodedWords(text)
}

/** `Name <address>` or a bare address, split; undefined when it is neither around one valid address. */
export const parseMailbox = (value: string): { readonly name: string; readonly address: string } | undefined => {
  const angle = /^([^<>]*)<([^<>]+)>$/.exec(value.trim())
  const written = angle === null ? "" : angle[1]!.trim()
  // A quoted display name ("Alpenglow, Köln") is taken without its quotes, and quoted again if it needs them.
  const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(written)
  const name = quoted === null ? written : quoted[1]!.replace(/\\(.)/g, "$1")
  const address = angle === null ? value.trim() : angle[2]!
  return emailAddressProblem(address) === undefined && !/[\r\n]/.test(name) ? { name, address } : undefined
}

const mailbox = (value: { readonly name: string; readonly address: string }) =>
  value.name === "" ? value.address : `${displayName(value.name)} <${value.address}>`

/** RFC 5322 §3.6.4 msg-id: `<left@right>`, printable ASCII without angle brackets or spaces. */
const MESSAGE_ID = /^<[\x21-\x3b\x3d\x3f-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+>$/
/** A BCP 47 language tag's shape (RFC 3282 Content-Language). */
const LANGUAGE = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/
/** A URL that can stand between angle brackets in a header (RFC 2369): printable ASCII, no space or bracket. */
const HEADER_URL = /^https?:\/\/[\x21-\x3b\x3d\x3f-\x7e]{1,900}$/

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const two = (value: number) => String(value).padStart(2, "0")

/** RFC 5322 §3.3 date-time in UTC: `Sat, 05 Dec 2026 21:10:18 +0000`. */
export const mailDate = (date: Date): string =>
  `${DAYS[date.getUTCDay()]}, ${two(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
  `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`

/** The sender's mailbox when every field of `mail` makes a valid header, else why not. */
const checked = (
  mail: OutgoingMail
): { readonly from: { readonly name: string; readonly address: string } } | { readonly problem: string } => {
  const from = parseMailbox(mail.from)
  if (from === undefined) return { problem: `the sender is not "Name <address>" or an address: ${mail.from}` }
  const to = recipientProblem(mail)
  if (to !== undefined) return { problem: to.message }
  if (!MESSAGE_ID.test(mail.messageId)) return { problem: `the Message-ID is not <left@right>: ${mail.messageId}` }
  if (!LANGUAGE.test(mail.language)) return { problem: `the language is not a language tag: ${mail.language}` }
  if (mail.unsubscribeUrl !== undefined && !HEADER_URL.test(mail.unsubscribeUrl)) {
    return { problem: "the unsubscribe URL is not an http(s) URL of printable characters" }
  }
  return { from }
}

/** Why `mail` cannot be composed (a field that would not be a valid header), or undefined. */
export const mimeProblem = (mail: OutgoingMail): string | undefined => {
  const fields = checked(mail)
  return "problem" in fields ? fields.problem : undefined
}

/** A composed message and its sender's address (SMTP's MAIL FROM), or why the mail cannot be composed. */
export type Composed = { readonly raw: string; readonly sender: string } | { readonly problem: string }

/**
 * The whole message, CRLF line breaks, as it goes after SMTP DATA, and the sender's address; `date` is the Date
 * header's moment. A field that would not make a valid header gives its problem instead, and nothing composed.
 */
export const composeMime = (mail: OutgoingMail, date: Date): Composed => {
  const fields = checked(mail)
  if ("problem" in fields) return fields
  const { from } = fields
  // "=_" cannot occur in quoted-printable text (every "=" is "=3D" there), so no part's line can match the boundary.
  const id = mail.messageId.slice(1, -1).replace(/[^A-Za-z0-9.-]/g, "_")
  const boundary = `=_pb_${id.slice(0, 60)}`
  const headers = [
    `From: ${mailbox(from)}`,
    `To: ${mail.to}`,
    unstructured("Subject", mail.subject),
    `Message-ID: ${mail.messageId}`,
    `Date: ${mailDate(date)}`,
    "MIME-Version: 1.0",
    `Content-Language: ${mail.language}`,
    ...(mail.unsubscribeUrl === undefined
      ? []
      : [`List-Unsubscribe: <${mail.unsubscribeUrl}>`, "List-Unsubscribe-Post: List-Unsubscribe=One-Click"]),
    `Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`
  ]
  const part = (type: string, body: string) =>
    `--${boundary}${CRLF}Content-Type: ${type}; charset=utf-8${CRLF}` +
    `Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}${quotedPrintable(body)}${CRLF}`
  const raw =
    headers.join(CRLF) +
    CRLF +
    CRLF +
    part("text/plain", mail.text) +
    part("text/html", mail.html) +
    `--${boundary}--${CRLF}`
  return { raw, sender: from.address }
}

/**
 * `composeMime` for a Mailer: the composed message, or a permanent `MailerError` naming the field that cannot be a
 * header (sending it again cannot help).
 */
export const composeOrRefuse = (
  mail: OutgoingMail,
  date: Date
): Effect.Effect<{ readonly raw: string; readonly sender: string }, MailerError> => {
  const composed = composeMime(mail, date)
  return "problem" in composed
    ? Effect.fail(new MailerError({ reason: "Rejected", permanent: true, message: composed.problem }))
    : Effect.succeed(composed)
}
