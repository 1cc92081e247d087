/** Parses GS1 element strings (barcode data with FNC1 separators) into application identifier values. */
import type { AiDefinition } from "./AiDefinition.ts"
import { associationProblems } from "./aiAssociations.ts"
import { aiTable } from "./aiTable.generated.ts"
import { validateAiValue } from "./validateAiValue.ts"

/** FNC1 as transmitted by scanners between variable-length element strings (ISO/IEC 15417, GS1 GenSpecs 5.4.7.5). */
export const GS = "\u001d"

export interface ElementString {
  readonly ai: string
  readonly value: string
}

export interface Gs1Parse {
  readonly ais: ReadonlyArray<ElementString>
  readonly errors: ReadonlyArray<string>
}

/** AIs are prefix-free (GS1 GenSpecs 3.1), so the first 2-4 digit prefix found in the table is the AI. */
export const lookupAi = (data: string, position: number): AiDefinition | undefined => {
  for (let length = 2; length <= 4; length++) {
    const candidate = data.slice(position, position + length)
    if (candidate.length < length || !/^\d+$/.test(candidate)) return undefined
    const definition = aiTable[candidate]
    if (definition !== undefined) return definition
  }
  return undefined
}

const fixedLengthOf = (definition: AiDefinition): number => definition.components.reduce((n, c) => n + c.max, 0)

/**
 * Parses a GS1 element string (the data of GS1-128, GS1 DataMatrix, GS1 QR, DataBar) into AIs in scan
 * order, validating every value. Stops at the first structural error (unknown AI, truncated data),
 * because after it the AI boundaries are unknowable.
 */
export const parseElementString = (data: string, referenceYear: number): Gs1Parse => {
  const ais: Array<ElementString> = []
  const errors: Array<string> = []
  let position = 0
  while (position < data.length) {
    if (data[position] === GS) {
      if (position > 0 && data[position - 1] === GS) errors.push(`empty element string at position ${position}`)
      position++
      continue
    }
    const definition = lookupAi(data, position)
    if (definition === undefined) {
      errors.push(`unknown AI at position ${position}: "${data.slice(position, position + 4)}"`)
      break
    }
    position += definition.ai.length
    let value: string
    if (definition.fixedLength) {
      const length = fixedLengthOf(definition)
      value = data.slice(position, position + length)
      const separator = value.indexOf(GS)
      if (separator !== -1 || value.length < length) {
        const got = separator === -1 ? value.length : separator
        errors.push(`AI (${definition.ai}) needs ${length} characters, got ${got}`)
        break
      }
    } else {
      const separator = data.indexOf(GS, position)
      value = separator === -1 ? data.slice(position) : data.slice(position, separator)
      const max = fixedLengthOf(definition)
      if (value.length > max) {
        errors.push(
          `AI (${definition.ai}) value "${value}" is ${value.length} characters, more than ${max}: ` +
            "missing GS separator after a variable-length AI?"
        )
        break
      }
    }
    position += value.length
    if (value === "") {
      errors.push(`AI (${definition.ai}) has no value`)
      continue
    }
    ais.push({ ai: definition.ai, value })
    errors.push(...validateAiValue(definition, value, referenceYear))
  }
  if (ais.length === 0 && errors.length === 0) errors.push("no element strings")
  errors.push(...duplicateProblems(ais))
  if (errors.length === 0) errors.push(...associationProblems(ais, { requisites: false }))
  return { ais, errors }
}

/** GenSpecs 4.14.1: an AI may repeat only with the same value. */
export const duplicateProblems = (ais: ReadonlyArray<ElementString>): Array<string> => {
  const seen = new Map<string, string>()
  const problems: Array<string> = []
  for (const { ai, value } of ais) {
    const earlier = seen.get(ai)
    if (earlier !== undefined && earlier !== value) problems.push(`AI (${ai}) appears twice with different values`)
    seen.set(ai, value)
  }
  return problems
}
