/**
 * One e-mail address, the addr-spec of RFC 5322 §3.4.1 in its dot-atom form (RFC 6532 lets the atoms hold UTF-8):
 * `local@domain` and nothing else. No display name, no comments, no quoted local part, no second address, no
 * whitespace or control character anywhere: a value that passes can go into a `To:` header or an SMTP `RCPT TO`
 * as it is, and `a@example.com\r\nBcc: spy@evil.example` or `a@example.com, b@example.com` do not pass.
 */

/** RFC 5322 atext, plus any non-ASCII character (RFC 6532 §3.2); whitespace and controls are refused before. */
const ATOM = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~\\u0080-\\u{10FFFF}]+"
const LOCAL = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`, "u")
/** A DNS label (letters, digits, hyphens inside) or an IDN U-label with non-ASCII letters. */
const LABEL = /^[A-Za-z0-9\u0080-\u{10FFFF}](?:[A-Za-z0-9\u0080-\u{10FFFF}-]{0,61}[A-Za-z0-9\u0080-\u{10FFFF}])?$/u

/** RFC 5321 §4.5.3.1: a path is at most 256 octets with its angle brackets, a local part at most 64. */
export const MAX_EMAIL_LENGTH = 254

/** Why `value` is not exactly one address, or undefined when it is. */
export const emailAddressProblem = (value: string): string | undefined => {
  if (value.length === 0) return "is empty"
  if (value.length > MAX_EMAIL_LENGTH) return `is longer than ${MAX_EMAIL_LENGTH} characters`
  // Checked first and on their own: these are what header injection and address lists are made of.
  if (/[\s\p{Cc}\p{Cf}]/u.test(value)) return "contains whitespace or a control character"
  if (/[,;<>()"[\]\\:]/.test(value)) return "is not a single plain address (list, display name or quoting)"
  const at = value.lastIndexOf("@")
  if (at <= 0 || value.indexOf("@") !== at) return "needs exactly one @ with something before it"
  const local = value.slice(0, at)
  const domain = value.slice(at + 1)
  if (local.length > 64) return "has a local part longer than 64 characters"
  if (!LOCAL.test(local)) return "has a local part that is not a dot-atom"
  const labels = domain.split(".")
  if (labels.length < 2) return "needs a domain with a dot"
  if (!labels.every((label) => LABEL.test(label))) return "has a domain that is not a host name"
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? "")) return "has a numeric top-level domain"
  return undefined
}

export const isEmailAddress = (value: string): boolean => emailAddressProblem(value) === undefined
