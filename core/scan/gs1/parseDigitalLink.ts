/** Reads a GS1 Digital Link URI (GS1 Digital Link: URI Syntax 1.2) into application identifier values. */
import { associationProblems } from "./aiAssociations.ts"
import { aiTable } from "./aiTable.generated.ts"
import { aiOfPathSegment } from "./digitalLinkShortNames.ts"
import type { ElementString, Gs1Parse } from "./parseElementString.ts"
import { validateAiValue } from "./validateAiValue.ts"

/**
 * Scheme, authority, path, query and fragment as RFC 3986 appendix B splits them; http or https, written all in lower
 * or all in upper case (GS1's reference implementation refuses a mixed-case scheme such as "HtTp").
 */
const uriParts = /^(https?|HTTPS?):\/\/([^/?#]+)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/

/**
 * The host is checked for its characters only, not its form (so a new form of name or address is not refused): a
 * registered name or IPv4 address of letters, digits, dots and hyphens, or an IPv6 literal in brackets without a zone
 * identifier, then an optional port. No user information.
 */
const authorityForm = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

interface PathPair {
  readonly ai: string
  readonly raw: string
}

/**
 * The Digital Link part of a path is "/key/value" pairs up to its end, starting at a primary key; anything before it
 * is the URI stem, which the standard leaves to the domain's owner ("/products/01/…"). A value sits at an even
 * distance from the end, so only a segment at an odd distance can be a key; the rightmost primary key there starts
 * the Digital Link part, so a stem may itself look like one ("/00/stem/01/…"). Undefined when there is none.
 */
const locateKeyPath = (segments: ReadonlyArray<string>): ReadonlyArray<PathPair> | undefined => {
  for (let start = segments.length - 2; start >= 0; start -= 2) {
    const ai = aiOfPathSegment(segments[start]!)
    if (ai !== undefined && aiTable[ai]?.dlPrimaryKey != null) {
      const pairs: Array<PathPair> = []
      for (let i = start; i < segments.length; i += 2) {
        pairs.push({ ai: aiOfPathSegment(segments[i]!) ?? segments[i]!, raw: segments[i + 1]! })
      }
      return pairs
    }
  }
  return undefined
}

/** RFC 3986 2.1 percent-decoding as UTF-8; undefined for a broken escape such as "%G1" or a lone "%E0". */
const percentDecode = (raw: string): string | undefined => {
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined
  }
}

/** Whether `qualifiers` keep the order of one of the primary key's alternative sequences, each one optional. */
const followsAnAlternative = (
  qualifiers: ReadonlyArray<string>,
  alternatives: ReadonlyArray<ReadonlyArray<string>>
): boolean =>
  qualifiers.length === 0 ||
  alternatives.some((sequence) => {
    let position = 0
    for (const ai of qualifiers) {
      const found = sequence.indexOf(ai, position)
      if (found === -1) return false
      position = found + 1
    }
    return true
  })

const describeAlternatives = (alternatives: ReadonlyArray<ReadonlyArray<string>>): string =>
  alternatives.length === 0 ? "none" : alternatives.map((sequence) => sequence.join(", ")).join(" or ")

/**
 * A GTIN-8, -12 or -13 where Digital Link 1.2 wants the GTIN-14: the URI syntax writes AI (01) as its 14 digits
 * (padded with zeros on the left by whoever makes the URI), so the reader reports the GTIN-14 meant and refuses it.
 */
const shortGtinProblem = (
  ai: string,
  value: string
): { readonly padded: string; readonly problem: string } | undefined => {
  if (ai !== "01" || !/^\d+$/.test(value) || ![8, 12, 13].includes(value.length)) return undefined
  const padded = value.padStart(14, "0")
  return { padded, problem: `AI (01) must be the 14-digit GTIN in a Digital Link URI: ${padded}, not ${value}` }
}

/**
 * Parses a GS1 Digital Link URI: http(s), any authority and path stem, then a primary key and its key qualifiers in
 * the path (by AI or short name), data attributes as AIs in the query, a fragment ignored. Every value is checked by
 * the syntax dictionary's rules (length, character set, linters), every AI may appear once, and the dictionary's
 * pairing rules hold over the whole URI. Returns undefined when the URI has no primary key (it is some other
 * address); otherwise the AIs in path-then-query order and every problem found, each a sentence.
 */
export const parseDigitalLink = (uri: string, referenceYear: number): Gs1Parse | undefined => {
  const parts = uriParts.exec(uri)
  if (parts === null) return undefined
  const authority = parts[2]!
  const path = parts[3]!
  const query = parts[4]
  const trailingSlash = path.length > 1 && path.endsWith("/")
  const segments = (trailingSlash ? path.slice(0, -1) : path).split("/").slice(1)
  const keyPath = locateKeyPath(segments)
  if (keyPath === undefined) return undefined

  const errors: Array<string> = []
  const ais: Array<ElementString> = []
  if (trailingSlash) errors.push("a GS1 Digital Link URI must not end in '/' after its last path value")
  if (!authorityForm.test(authority)) errors.push(`the host "${authority}" has characters no host name or address has`)

  const readValue = (ai: string, raw: string, where: string): void => {
    const decoded = percentDecode(raw)
    if (decoded === undefined) {
      errors.push(`AI (${ai}) value "${raw}" in the ${where} has broken percent-encoding`)
      return
    }
    if (decoded === "") {
      errors.push(`AI (${ai}) has an empty value in the ${where}`)
      return
    }
    const definition = aiTable[ai]
    if (definition === undefined) return
    const short = shortGtinProblem(ai, decoded)
    if (short !== undefined) {
      errors.push(short.problem)
      ais.push({ ai, value: short.padded })
      return
    }
    ais.push({ ai, value: decoded })
    errors.push(...validateAiValue(definition, decoded, referenceYear))
  }

  const [primary, ...qualifiers] = keyPath
  const primaryDefinition = aiTable[primary!.ai]!
  const alternatives = primaryDefinition.dlPrimaryKey ?? []
  readValue(primary!.ai, primary!.raw, "path")
  const unknownInPath = qualifiers.filter((pair) => aiTable[pair.ai] === undefined)
  for (const pair of unknownInPath) errors.push(`unknown AI "${pair.ai}" in the Digital Link path`)
  if (
    unknownInPath.length === 0 &&
    !followsAnAlternative(
      qualifiers.map((pair) => pair.ai),
      alternatives
    )
  ) {
    errors.push(
      `the path has key qualifiers ${qualifiers.map((pair) => pair.ai).join(",")} after AI (${primary!.ai}), ` +
        `which takes ${describeAlternatives(alternatives)} (each optional, in that order)`
    )
  }
  for (const pair of qualifiers) readValue(pair.ai, pair.raw, "path")

  // A query AI belongs in the path when it is a key qualifier of a sequence the path's qualifiers also fit: with
  // "/01/…/235/…" the qualifiers of the other sequence (22, 10, 21) are ordinary data attributes.
  const pathQualifiers = qualifiers.map((pair) => pair.ai)
  const qualifierAis = new Set(
    alternatives.filter((sequence) => pathQualifiers.every((ai) => sequence.includes(ai))).flat()
  )
  for (const parameter of query === undefined || query === "" ? [] : query.split("&")) {
    const separator = parameter.indexOf("=")
    const key = separator === -1 ? parameter : parameter.slice(0, separator)
    // Parameters whose name is not all digits are the resolver's (linkType, context, …): not GS1 data.
    if (!/^\d+$/.test(key)) continue
    const definition = aiTable[key]
    if (definition === undefined) {
      errors.push(`unknown AI (${key}) in the Digital Link query`)
      continue
    }
    if (qualifierAis.has(key)) {
      errors.push(
        `AI (${key}) is not allowed as a Digital Link query attribute: it is a key qualifier of AI (${primary!.ai}) ` +
          "and belongs in the path"
      )
    } else if (!definition.dlDataAttribute) {
      errors.push(`AI (${key}) is not allowed as a Digital Link query attribute`)
    }
    // The query is form-encoded (WHATWG URL, application/x-www-form-urlencoded): "+" there is a space.
    readValue(key, separator === -1 ? "" : parameter.slice(separator + 1).replaceAll("+", " "), "query")
  }

  // Each AI is one fact about the item: the URI syntax has no place for a second one, even with the same value.
  const counts = new Map<string, number>()
  for (const { ai } of ais) counts.set(ai, (counts.get(ai) ?? 0) + 1)
  for (const [ai, count] of counts) if (count > 1) errors.push(`AI (${ai}) appears more than once`)

  errors.push(...associationProblems(ais, { requisites: true }))
  return { ais, errors }
}
