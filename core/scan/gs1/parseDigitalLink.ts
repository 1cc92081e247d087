/** Parses GS1 Digital Link URIs into application identifier values. */
import type { AiDefinition } from "./AiDefinition.ts"
import { associationProblems } from "./aiAssociations.ts"
import { aiTable } from "./aiTable.generated.ts"
import type { ElementString, Gs1Parse } from "./parseElementString.ts"
import { validateAiValue } from "./validateAiValue.ts"

/**
 * GS1 Digital Link URI syntax 1.2 against the syntax dictionary: fixtures/digital-link-cases.json holds our cases,
 * each naming the rule of the standard it exercises.
 */

/** RFC 3986 characters; anything else (space, <, >, {, }, \, ^, `, ") cannot be in a URI at all. */
const uriCharacters = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/
const badDomainCharacters = /[_~?#@!$&'()*+,;=%]/

/** Short names ("convenience alphas") of Digital Link 1.1, which 1.2 still lets a decoder read (dl.c alpha_ai_map). */
export const shortNames: Readonly<Record<string, string>> = {
  cpid: "8010",
  cpsn: "8011",
  cpv: "22",
  gcn: "255",
  gdti: "253",
  giai: "8004",
  ginc: "401",
  gln: "414",
  glnx: "254",
  gmn: "8013",
  grai: "8003",
  gsin: "402",
  gsrn: "8018",
  gsrnp: "8017",
  gtin: "01",
  itip: "8006",
  lot: "10",
  party: "417",
  refno: "8020",
  ser: "21",
  srin: "8019",
  sscc: "00"
}

/** The AI a path segment names: an AI of the table, or a short name. */
const pathAi = (segment: string): AiDefinition | undefined =>
  /^\d{2,4}$/.test(segment)
    ? aiTable[segment]
    : shortNames[segment] === undefined
      ? undefined
      : aiTable[shortNames[segment]]

/** Percent-decoding; in the query "+" is a space (HTML form encoding), in the path it is itself. */
const decode = (text: string, inQuery: boolean): string | undefined => {
  try {
    return decodeURIComponent(inQuery ? text.replace(/\+/g, " ") : text)
  } catch {
    return undefined
  }
}

/** Whether `sequence` (primary key first) is the key, then some of one alternative's qualifiers in its order. */
const isValidPathSequence = (sequence: ReadonlyArray<string>): boolean => {
  const alternatives = aiTable[sequence[0]!]?.dlPrimaryKey
  if (alternatives == null) return false
  const qualifiers = sequence.slice(1)
  if (qualifiers.length === 0) return true
  return alternatives.some((alternative) => {
    let next = 0
    for (const qualifier of qualifiers) {
      const found = alternative.indexOf(qualifier, next)
      if (found === -1) return false
      next = found + 1
    }
    return true
  })
}

/** The qualifier a query AI would be if it sat in the path: then it belongs there (dl.c AI_SHOULD_BE_IN_PATH_INFO). */
const belongsInPath = (path: ReadonlyArray<string>, ai: string): boolean => {
  for (let at = 1; at <= path.length; at++) {
    if (isValidPathSequence([...path.slice(0, at), ai, ...path.slice(at)])) return true
  }
  return false
}

interface Located {
  readonly scheme: string
  readonly domain: string
  readonly segments: ReadonlyArray<string>
  /** Index in `segments` of the primary key. */
  readonly start: number
  readonly query: string
  readonly trailingSlash: boolean
}

/**
 * Finds the Digital Link part of the path as dl.c does: from the end, "/AI/value" pairs back to the rightmost primary
 * key, so a stem may hold anything ("/00/faux/00/…" is the second 00). Undefined when there is none: some other URL.
 */
const locate = (uri: string): Located | undefined => {
  const scheme = /^(https?):\/\//i.exec(uri)?.[1]
  if (scheme === undefined) return undefined
  const rest = uri.slice(scheme.length + 3).replace(/#.*$/s, "")
  const slash = rest.indexOf("/")
  if (slash === -1) return undefined
  const domain = rest.slice(0, slash)
  const queryAt = rest.indexOf("?", slash)
  const path = queryAt === -1 ? rest.slice(slash) : rest.slice(slash, queryAt)
  const query = queryAt === -1 ? "" : rest.slice(queryAt + 1)
  const trailingSlash = path.length > 1 && path.endsWith("/")
  const segments = (trailingSlash ? path.slice(0, -1) : path).split("/").slice(1)
  for (let at = segments.length - 2; at >= 0; at -= 2) {
    const definition = pathAi(segments[at]!)
    if (definition === undefined) return undefined
    if (definition.dlPrimaryKey !== null) return { scheme, domain, segments, start: at, query, trailingSlash }
  }
  return undefined
}

/** A GTIN-8, -12 or -13 where Digital Link 1.2 wants the GTIN-14: read as the GTIN-14 it pads to, and refused. */
const zeroSuppressedGtin = (ai: string, value: string): boolean => ai === "01" && /^(\d{8}|\d{12}|\d{13})$/.test(value)

/**
 * Parses a GS1 Digital Link URI: any host and path stem, then /<primary key>/<value> and its key qualifiers in the
 * dictionary's order (by AI or short name), then data attributes in the query. Returns undefined when the URI
 * carries no primary key at all (it is some other URL); otherwise every problem found, each a sentence.
 */
export const parseDigitalLink = (uri: string, referenceYear: number): Gs1Parse | undefined => {
  const located = locate(uri)
  if (located === undefined) return undefined
  const errors: Array<string> = []
  if (!uriCharacters.test(uri))
    errors.push("the URI holds a character no URI may contain (space, <, >, {, }, \\, ^, `)")
  if (
    located.scheme !== "http" &&
    located.scheme !== "https" &&
    located.scheme !== "HTTP" &&
    located.scheme !== "HTTPS"
  ) {
    errors.push(`scheme "${located.scheme}" must be http or https in one case`)
  }
  if (located.domain === "" || badDomainCharacters.test(located.domain)) {
    errors.push(`"${located.domain}" is not a domain name`)
  }
  if (located.trailingSlash) errors.push("a GS1 Digital Link URI must not end in '/'")

  const ais: Array<ElementString> = []
  const add = (ai: string, raw: string, inQuery: boolean) => {
    const where = inQuery ? "query" : "path"
    if (raw === "") {
      errors.push(`AI (${ai}) has an empty value in the URI ${where}`)
      return
    }
    const decoded = decode(raw, inQuery)
    if (decoded === undefined) {
      errors.push(`AI (${ai}) value "${raw}" has broken percent-encoding`)
      return
    }
    if (decoded.includes("\u0000")) {
      errors.push(`AI (${ai}) value holds a NUL character`)
      return
    }
    const value = zeroSuppressedGtin(ai, decoded) ? decoded.padStart(14, "0") : decoded
    if (value !== decoded) {
      errors.push(`AI (01) must be the 14-digit GTIN in a Digital Link URI: ${value}, not ${decoded}`)
    }
    ais.push({ ai, value })
    errors.push(...validateAiValue(aiTable[ai]!, value, referenceYear))
  }

  const path: Array<string> = []
  for (let at = located.start; at < located.segments.length; at += 2) {
    const ai = pathAi(located.segments[at]!)!.ai
    path.push(ai)
    add(ai, located.segments[at + 1]!, false)
  }
  if (!isValidPathSequence(path)) {
    const alternatives = aiTable[path[0]!]?.dlPrimaryKey ?? []
    const allowed = alternatives.map((sequence) => sequence.join(",")).join(" or ") || "none"
    errors.push(
      `key qualifiers ${path.slice(1).join(",")} are not allowed after AI (${path[0]}) in this order; allowed: ${allowed}`
    )
  }

  for (const parameter of located.query.split("&")) {
    const equals = parameter.indexOf("=")
    if (parameter === "" || equals === -1) continue
    const key = parameter.slice(0, equals)
    if (!/^\d+$/.test(key)) continue
    const definition = aiTable[key]
    if (definition === undefined) {
      errors.push(`unknown AI "${key}" in the URI query`)
      continue
    }
    if (!definition.dlDataAttribute) errors.push(`AI (${key}) is not allowed as a Digital Link query attribute`)
    else if (belongsInPath(path, key))
      errors.push(`AI (${key}) is a key qualifier of AI (${path[0]}): it belongs in the path`)
    add(key, parameter.slice(equals + 1), true)
  }

  const seen = new Set<string>()
  for (const { ai } of ais) {
    if (seen.has(ai)) errors.push(`AI (${ai}) appears more than once`)
    seen.add(ai)
  }
  if (errors.length === 0) errors.push(...associationProblems(ais, { requisites: true }))
  return { ais, errors }
}
