/** Size, depth and number checks on untrusted JSON before any schema decodes it. */
import { Bounds } from "./Bounds.ts"

export interface JsonLimits {
  readonly maxDepth: number
  readonly maxNodes: number
  readonly maxStringChars: number
  /** The largest magnitude a number may have; anything beyond (and Infinity, which `JSON.parse("1e400")` yields) fails. */
  readonly maxAbsNumber: number
}

export const defaultJsonLimits: JsonLimits = {
  maxDepth: Bounds.maxJsonDepth,
  maxNodes: Bounds.maxJsonNodes,
  maxStringChars: Bounds.maxJsonStringChars,
  maxAbsNumber: Number.MAX_SAFE_INTEGER
}

/**
 * Checks a parsed, untrusted JSON document before any schema sees it: every number finite and of plausible size,
 * strings and keys of bounded length, bounded nesting and size. Schemas check meaning; this stops what no schema
 * should have to think about (a number that is Infinity, a 10 MB string, a document nested 10,000 deep). Returns
 * what is wrong with the path to it, or undefined.
 */
export const jsonBoundsProblem = (value: unknown, limits: JsonLimits = defaultJsonLimits): string | undefined => {
  const problem = visit({ nodes: 0, limits }, value, 0)
  if (problem === undefined) return undefined
  return problem.segments === undefined ? problem.text : `$${problem.segments.reverse().join("")} ${problem.text}`
}

/** One walk's limits and the values it has met so far. */
interface Walk {
  nodes: number
  readonly limits: JsonLimits
}

/**
 * The problem at or below `current`, depth first in document order. The recursion is as deep as the document, at most
 * `maxDepth` + 1 (deeper is the problem). A problem's path is built only once one is found, as it unwinds: a document
 * without one (nearly every message) costs no string and no object per value. Plain indexed loops and no closure per
 * document: the hub's consumer walks every event it takes.
 */
const visit = (walk: Walk, current: unknown, depth: number): Problem | undefined => {
  const limits = walk.limits
  if (++walk.nodes > limits.maxNodes) return { segments: undefined, text: `more than ${limits.maxNodes} values` }
  if (depth > limits.maxDepth) return { segments: [], text: `is nested deeper than ${limits.maxDepth}` }
  if (typeof current === "number") {
    if (!Number.isFinite(current)) return { segments: [], text: "is not a finite number" }
    if (Math.abs(current) > limits.maxAbsNumber) return { segments: [], text: `is out of range (${current})` }
  } else if (typeof current === "string") {
    if (current.length > limits.maxStringChars) {
      return { segments: [], text: `is longer than ${limits.maxStringChars} characters (${current.length})` }
    }
  } else if (Array.isArray(current)) {
    for (let index = 0; index < current.length; index++) {
      const below = visit(walk, current[index], depth + 1)
      if (below !== undefined) return within(below, `[${index}]`)
    }
  } else if (typeof current === "object" && current !== null) {
    const record = current as Record<string, unknown>
    const keys = Object.keys(record)
    for (let index = 0; index < keys.length; index++) {
      if (keys[index]!.length > Bounds.maxIdChars) {
        return { segments: [], text: `has a key longer than ${Bounds.maxIdChars} characters` }
      }
    }
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index]!
      const below = visit(walk, record[key], depth + 1)
      if (below !== undefined) return within(below, `.${key}`)
    }
  }
  return undefined
}

/** What is wrong, and the path to it from the innermost value out (`undefined`: a problem of the whole document). */
interface Problem {
  readonly segments: Array<string> | undefined
  readonly text: string
}

const within = (problem: Problem, segment: string): Problem => {
  problem.segments?.push(segment)
  return problem
}
