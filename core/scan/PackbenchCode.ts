/**
 * Packbench's own codes, printed as QR (or Code 128 for totes and badges).
 *
 *   PB:<TYPE>:<ID>:<C>
 *
 *   TYPE  ORDER (order / pick slip), TOTE, RMA (return authorisation), BADGE (operator), PARCEL
 *   ID    1-32 characters of A-Z 0-9 and "-"
 *   C     ISO/IEC 7064 MOD 37,36 check character over TYPE followed by ID with its hyphens left out
 *
 * e.g. `PB:ORDER:SO-10042:P`. The check character catches a single wrong character and most swaps of
 * two neighbours in the letters and digits; it does not protect where a hyphen sits. Reading is
 * case-insensitive because keyboard-wedge scanners invert case when Caps Lock is on; IDs are upper-case.
 *
 * A return label's QR may instead carry a URL a customer's phone can open:
 *
 *   https://r.packbench.example/rma/<ID>?c=<C>
 *
 * with C computed as for `PB:RMA:<ID>`. The host is configurable; other query parameters are ignored.
 */
import { iso7064Mod37_36 } from "./iso7064Mod37_36.ts"

export const packbenchCodeTypes = ["order", "tote", "rma", "badge", "parcel"] as const
export type PackbenchCodeType = (typeof packbenchCodeTypes)[number]

export const defaultRmaHost = "r.packbench.example"

const idPattern = /^[A-Z0-9-]{1,32}$/

export interface PackbenchCodeParse {
  readonly type: PackbenchCodeType
  readonly id: string
  readonly valid: boolean
  readonly reason?: string
}

export type PackbenchCodeEncoding =
  | { readonly ok: true; readonly code: string }
  | { readonly ok: false; readonly reason: string }

const checkCharacter = (type: PackbenchCodeType, id: string): string =>
  iso7064Mod37_36(`${type.toUpperCase()}${id.replaceAll("-", "")}`) ?? ""

/** Encodes a code, or says why the id cannot be one. `form: "url"` is only for RMAs. */
export const encodePackbenchCode = (
  type: PackbenchCodeType,
  id: string,
  options: { readonly form?: "plain" | "url"; readonly rmaHost?: string } = {}
): PackbenchCodeEncoding => {
  if (!idPattern.test(id)) return { ok: false, reason: `id "${id}" must be 1-32 characters of A-Z, 0-9 and "-"` }
  if (options.form === "url") {
    if (type !== "rma") return { ok: false, reason: `only RMA codes have a URL form, not ${type}` }
    return { ok: true, code: `https://${options.rmaHost ?? defaultRmaHost}/rma/${id}?c=${checkCharacter(type, id)}` }
  }
  return { ok: true, code: `PB:${type.toUpperCase()}:${id}:${checkCharacter(type, id)}` }
}

const verdict = (type: PackbenchCodeType, id: string, check: string | undefined): PackbenchCodeParse => {
  if (!idPattern.test(id)) return { type, id, valid: false, reason: `id "${id}" is not 1-32 characters of A-Z0-9-` }
  if (check === undefined || check === "") return { type, id, valid: false, reason: "check character is missing" }
  const expected = checkCharacter(type, id)
  return check === expected
    ? { type, id, valid: true }
    : { type, id, valid: false, reason: `check character ${check} is wrong (misread?)` }
}

const plainPattern = /^PB:([A-Z]+):([^:]*)(?::([^:]*))?$/
const urlPattern = /^https?:\/\/([^/?#]+)\/rma\/([^/?#]*)\/?(?:\?([^#]*))?(?:#.*)?$/i

/**
 * Reads a Packbench code; undefined when `text` is not shaped like one at all (so other identifiers
 * get their turn), otherwise a result that names what is wrong.
 */
export const parsePackbenchCode = (
  text: string,
  rmaHosts: ReadonlyArray<string> = [defaultRmaHost]
): PackbenchCodeParse | { readonly type: undefined; readonly reason: string } | undefined => {
  const upper = text.toUpperCase()
  const plain = plainPattern.exec(upper)
  if (plain !== null) {
    const type = packbenchCodeTypes.find((t) => t.toUpperCase() === plain[1])
    if (type === undefined) {
      return { type: undefined, reason: `unknown Packbench code type "${plain[1]}" (one of ${packbenchCodeTypes})` }
    }
    return verdict(type, plain[2] ?? "", plain[3])
  }
  const url = urlPattern.exec(text)
  if (url === null || !rmaHosts.some((host) => host.toLowerCase() === url[1]!.toLowerCase())) return undefined
  const check = (url[3] ?? "")
    .split("&")
    .find((pair) => pair.startsWith("c="))
    ?.slice(2)
  return verdict("rma", url[2]!.toUpperCase(), check?.toUpperCase())
}
