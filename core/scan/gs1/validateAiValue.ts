/** Checks one GS1 Application Identifier's value: length, character set and every linter the dictionary names. */
import type { AiComponent, AiDefinition, CharacterSet } from "./AiDefinition.ts"
import { gs1LinterProblem } from "./gs1Linter.ts"

const characterSets: Record<CharacterSet, { readonly pattern: RegExp; readonly name: string }> = {
  N: { pattern: /^\d*$/, name: "digits" },
  X: { pattern: /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*$/, name: "GS1 CSET 82 characters" },
  Y: { pattern: /^[#\-/0-9A-Z]*$/, name: "GS1 CSET 39 characters" },
  Z: { pattern: /^[A-Za-z0-9_\-=]*$/, name: "base64url characters" }
}

const describeLength = (definition: AiDefinition): string => {
  const min = definition.components.reduce((n, c) => n + (c.optional ? 0 : c.min), 0)
  const max = definition.components.reduce((n, c) => n + c.max, 0)
  return min === max ? `exactly ${min}` : `${min}-${max}`
}

const componentProblem = (component: AiComponent, part: string, referenceYear: number): string | undefined => {
  const charset = characterSets[component.cset]
  if (!charset.pattern.test(part)) return `"${part}" must be ${charset.name}`
  for (const linter of component.linters) {
    const problem = gs1LinterProblem(linter, part, referenceYear)
    if (problem !== undefined) return problem
  }
  return undefined
}

/**
 * Validates one AI value against its dictionary components, consumed left to right as the syntax
 * dictionary prescribes. Returns the problems, each starting with "AI (nn)"; empty when valid.
 */
export const validateAiValue = (definition: AiDefinition, value: string, referenceYear: number): Array<string> => {
  const label = `AI (${definition.ai}) ${definition.title}`.trim()
  const lengthProblem = [`${label}: length ${value.length}, expected ${describeLength(definition)} characters`]
  let rest = value
  const problems: Array<string> = []
  for (const component of definition.components) {
    if (rest === "" && component.optional) break
    const isVariable = component.min !== component.max
    const take = isVariable ? Math.min(rest.length, component.max) : component.min
    if (rest.length < (isVariable ? component.min : take)) return lengthProblem
    const problem = componentProblem(component, rest.slice(0, take), referenceYear)
    if (problem !== undefined) problems.push(`${label}: ${problem}`)
    rest = rest.slice(take)
  }
  return rest === "" ? problems : lengthProblem
}
