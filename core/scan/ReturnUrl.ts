/**
 * The return page a brand prints as the insert's QR code (`returnUrl` of `fixtures/data/brands/<id>.json`, e.g.
 * `https://returns.alpenglow.example/r/{orderId}?rma={rma}`), read back at the returns desk: the insert and the desk
 * agree on this one code. Only the hosts of the brands' own return pages are read; the path and query must fit the
 * template, the order id and the return code must be plausible, and the whole address is bounded, so a QR code from
 * anywhere else (a web shop's product page, a phishing link) is refused with a reason instead of opening a return.
 */

/** Far above a printed return URL (about 70 characters), far below anything that could be a payload. */
export const maxReturnUrlLength = 256

const ORDER_ID = /^[A-Z0-9][A-Z0-9-]{0,31}$/
const RMA = /^[A-Z0-9][A-Z0-9-]{0,31}$/

export type ReturnUrlParse =
  | { readonly ok: true; readonly host: string; readonly orderId: string; readonly rma: string }
  | { readonly ok: false; readonly code: "foreign" | "malformed" | "too-long"; readonly reason: string }

interface Template {
  readonly host: string
  readonly pathParts: ReadonlyArray<string>
  readonly query: ReadonlyArray<readonly [string, string]>
}

/** The parts of an absolute http(s) address that matter here (RFC 3986 §3); core has no WHATWG URL. */
interface Address {
  readonly scheme: string
  readonly userinfo: boolean
  readonly host: string
  readonly port: string
  readonly path: string
  readonly query: ReadonlyArray<readonly [string, string]>
}

const ADDRESS = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:([^/?#@]*)@)?([^/?#:]*)(?::(\d*))?([^?#]*)(?:\?([^#]*))?(?:#.*)?$/

const decode = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "))
  } catch {
    return undefined
  }
}

const parseAddress = (text: string): Address | undefined => {
  const match = ADDRESS.exec(text)
  if (match === null) return undefined
  const query: Array<readonly [string, string]> = []
  for (const pair of (match[6] ?? "").split("&")) {
    if (pair === "") continue
    const at = pair.indexOf("=")
    const key = decode(at === -1 ? pair : pair.slice(0, at))
    const value = decode(at === -1 ? "" : pair.slice(at + 1))
    if (key === undefined || value === undefined) return undefined
    query.push([key, value])
  }
  return {
    scheme: match[1]!.toLowerCase(),
    userinfo: match[2] !== undefined,
    host: match[3]!.toLowerCase(),
    port: match[4] ?? "",
    path: match[5] === undefined || match[5] === "" ? "/" : match[5],
    query
  }
}

const compile = (template: string): Template | undefined => {
  const address = parseAddress(template)
  if (address === undefined || address.scheme !== "https" || address.host === "") return undefined
  const pathParts = address.path.split("/").map((part) => decode(part))
  if (pathParts.some((part) => part === undefined)) return undefined
  return { host: address.host, pathParts: pathParts as ReadonlyArray<string>, query: address.query }
}

/** The hosts of the brands' return pages, lower case, without repeats. */
export const returnUrlHosts = (templates: ReadonlyArray<string>): ReadonlyArray<string> => [
  ...new Set(templates.flatMap((template) => compile(template)?.host ?? []))
]

const placeholder = (part: string) => /^\{(orderId|rma)\}$/.exec(part)?.[1] as "orderId" | "rma" | undefined

const matchTemplate = (
  template: Template,
  address: Address
): { readonly orderId?: string; readonly rma?: string } | string => {
  const values: { orderId?: string; rma?: string } = {}
  const parts = address.path.replace(/\/+$/, "").split("/")
  const expected = template.pathParts.filter((part, index) => index === 0 || part !== "")
  if (parts.length !== expected.length) return `the path ${address.path} is not the return page's`
  for (const [index, part] of expected.entries()) {
    const given = decode(parts[index] ?? "")
    const name = placeholder(part)
    if (given === undefined) return `the path ${address.path} is not readable`
    if (name !== undefined) values[name] = given.toUpperCase()
    else if (given !== part) return `the path ${address.path} is not the return page's`
  }
  for (const [key, value] of template.query) {
    const given = address.query.find(([name]) => name === key)?.[1]
    const name = placeholder(value)
    if (given === undefined) return `the address has no "${key}" parameter`
    if (name !== undefined) values[name] = given.toUpperCase()
    else if (given !== value) return `"${key}" is ${given}, the return page's is ${value}`
  }
  return values
}

/**
 * Reads `text` as one of the brands' return page addresses. Undefined when it is not a web address at all (other
 * codes get their turn); otherwise the order and the return code, or why it is not one of ours.
 */
export const parseReturnUrl = (text: string, templates: ReadonlyArray<string>): ReturnUrlParse | undefined => {
  if (!/^https?:\/\//i.test(text)) return undefined
  if (text.length > maxReturnUrlLength) {
    return {
      ok: false,
      code: "too-long",
      reason: `the address is ${text.length} characters long; a return code has at most ${maxReturnUrlLength}`
    }
  }
  const address = parseAddress(text)
  if (address === undefined) return { ok: false, code: "malformed", reason: "not a readable web address" }
  const host = address.host
  const candidates = templates.flatMap((template) => {
    const compiled = compile(template)
    return compiled !== undefined && compiled.host === host ? [compiled] : []
  })
  if (candidates.length === 0) {
    const hosts = returnUrlHosts(templates)
    return {
      ok: false,
      code: "foreign",
      reason: `${host} is not a return page of this shop's brands${hosts.length === 0 ? "" : ` (${hosts.join(", ")})`}`
    }
  }
  if (address.scheme !== "https" || address.userinfo || address.port !== "") {
    return { ok: false, code: "malformed", reason: `only https://${host}/… is a return page address` }
  }
  let problem = "the address does not fit the return page"
  for (const template of candidates) {
    const values = matchTemplate(template, address)
    if (typeof values === "string") {
      problem = values
      continue
    }
    if (values.orderId !== undefined && !ORDER_ID.test(values.orderId)) {
      problem = `"${values.orderId}" is not an order number`
      continue
    }
    if (values.rma === undefined || !RMA.test(values.rma)) {
      problem = `"${values.rma ?? ""}" is not a return code (1-32 letters, digits and dashes)`
      continue
    }
    return { ok: true, host, orderId: values.orderId ?? "", rma: values.rma }
  }
  return { ok: false, code: "malformed", reason: problem }
}
