/** The GS1 rules about which application identifiers must or must not appear together. */
import { aiTable } from "./aiTable.generated.ts"

/** "310n" and "35nn" in the dictionary stand for any digit in the n positions. */
const matches = (pattern: string, ai: string): boolean => {
  if (pattern.length !== ai.length) return false
  for (let i = 0; i < pattern.length; i++) if (pattern[i] !== "n" && pattern[i] !== ai[i]) return false
  return true
}

/** Whether an AI matching `pattern` is present, other than `self` (an AI never satisfies or excludes itself). */
const present = (
  ais: ReadonlyArray<{ readonly ai: string; readonly value: string }>,
  pattern: string,
  self: string
): string | undefined => ais.find((element) => element.ai !== self && matches(pattern, element.ai))?.ai

const describeGroups = (groups: ReadonlyArray<ReadonlyArray<string>>): string =>
  groups.map((group) => group.map((ai) => `(${ai})`).join("+")).join(" or ")

/**
 * The pairing rules of the GS1 syntax dictionary: `ex=` (AIs that must not appear together) and, with `requisites`,
 * `req=` (AIs that must come with another). The dictionary says requisites hold over all the symbols on one item,
 * so they are checked for a Digital Link URI (the whole data of its symbol) and not for one barcode of several.
 * Also: a digital signature (8030) needs a serialised key (GenSpecs 3.9.14).
 */
export const associationProblems = (
  ais: ReadonlyArray<{ readonly ai: string; readonly value: string }>,
  options: { readonly requisites: boolean }
): Array<string> => {
  const problems: Array<string> = []
  for (const { ai } of ais) {
    const definition = aiTable[ai]
    if (definition === undefined) continue
    for (const pattern of definition.excludes) {
      const other = present(ais, pattern, ai)
      if (other !== undefined) problems.push(`AI (${ai}) must not appear together with AI (${other})`)
    }
    if (!options.requisites) continue
    for (const groups of definition.requires) {
      const satisfied = groups.some((group) => group.every((pattern) => present(ais, pattern, ai) !== undefined))
      if (!satisfied) problems.push(`AI (${ai}) needs ${describeGroups(groups)} with it`)
    }
  }
  if (ais.some((element) => element.ai === "8030")) {
    for (const { ai, value } of ais) {
      const definition = aiTable[ai]
      if (!["253", "255", "8003"].includes(ai) || definition === undefined) continue
      const minimum = definition.components.reduce((n, c) => n + (c.optional ? 0 : c.min), 0)
      if (value.length === minimum)
        problems.push(`AI (${ai}) needs its serial component with a digital signature (8030)`)
    }
  }
  return problems
}
