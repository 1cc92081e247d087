import { aiTable } from "./aiTable.generated.ts"
import { duplicateProblems, type ElementString, type Gs1Parse } from "./parseElementString.ts"
import { validateAiValue } from "./validateAiValue.ts"

const uriPattern = /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?(?:\?([^#\s]*))?(?:#\S*)?$/i

const percentDecode = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

/** GS1 Digital Link 1.2 §4.4: a GTIN-8/12/13 in the URI is read as the GTIN-14 it pads to. */
const canonicalValue = (ai: string, value: string): string =>
  ai === "01" && /^(\d{8}|\d{12}|\d{13})$/.test(value) ? value.padStart(14, "0") : value

const isQualifierOrderValid = (
  alternatives: ReadonlyArray<ReadonlyArray<string>>,
  qualifiers: ReadonlyArray<string>
): boolean =>
  qualifiers.length === 0 ||
  alternatives.some((sequence) => {
    let next = 0
    for (const qualifier of qualifiers) {
      const found = sequence.indexOf(qualifier, next)
      if (found === -1) return false
      next = found + 1
    }
    return true
  })

/**
 * Parses a GS1 Digital Link URI (GS1 Digital Link Standard 1.2): any host and path prefix, then
 * /<primary key AI>/<value> followed by its key qualifiers in dictionary order, then data attributes
 * in the query. Returns undefined when the URI carries no primary key at all (it is some other URL).
 */
export const parseDigitalLink = (uri: string, referenceYear: number): Gs1Parse | undefined => {
  const match = uriPattern.exec(uri)
  if (match === null) return undefined
  const segments = (match[1] ?? "").split("/").slice(1)
  if (segments.at(-1) === "") segments.pop()
  const start = segments.findIndex(
    (segment, index) => aiTable[segment]?.dlPrimaryKey != null && (segments.length - index) % 2 === 0
  )
  if (start === -1) return undefined
  const errors: Array<string> = []
  const ais: Array<ElementString> = []
  const add = (ai: string, rawValue: string) => {
    const decoded = percentDecode(rawValue)
    if (decoded === undefined) {
      errors.push(`AI (${ai}) value "${rawValue}" has broken percent-encoding`)
      return
    }
    const value = canonicalValue(ai, decoded)
    ais.push({ ai, value })
    const definition = aiTable[ai]
    if (definition !== undefined) errors.push(...validateAiValue(definition, value, referenceYear))
  }
  const primaryKey = segments[start]!
  add(primaryKey, segments[start + 1]!)
  const qualifiers: Array<string> = []
  for (let i = start + 2; i < segments.length; i += 2) {
    const ai = segments[i]!
    qualifiers.push(ai)
    if (aiTable[ai] === undefined) errors.push(`unknown AI "${ai}" in the URI path`)
    add(ai, segments[i + 1]!)
  }
  const alternatives = aiTable[primaryKey]?.dlPrimaryKey ?? []
  if (!isQualifierOrderValid(alternatives, qualifiers)) {
    const allowed = alternatives.map((sequence) => sequence.join(",")).join(" or ") || "none"
    errors.push(`key qualifiers ${qualifiers.join(",")} are not allowed after AI (${primaryKey}); allowed: ${allowed}`)
  }
  for (const pair of (match[2] ?? "").split("&")) {
    if (pair === "") continue
    const equals = pair.indexOf("=")
    const key = equals === -1 ? pair : pair.slice(0, equals)
    if (!/^\d+$/.test(key)) continue
    const definition = aiTable[key]
    if (definition === undefined) errors.push(`unknown AI "${key}" in the URI query`)
    else if (!definition.dlDataAttribute) errors.push(`AI (${key}) is not allowed as a Digital Link query attribute`)
    add(key, equals === -1 ? "" : pair.slice(equals + 1))
  }
  errors.push(...duplicateProblems(ais))
  return { ais, errors }
}
