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
  let nodes = 0
  const stack: Array<{ readonly value: unknown; readonly path: string; readonly depth: number }> = [
    { value, path: "$", depth: 0 }
  ]
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!
    if (++nodes > limits.maxNodes) return `more than ${limits.maxNodes} values`
    if (depth > limits.maxDepth) return `${path} is nested deeper than ${limits.maxDepth}`
    if (typeof current === "number") {
      if (!Number.isFinite(current)) return `${path} is not a finite number`
      if (Math.abs(current) > limits.maxAbsNumber) return `${path} is out of range (${current})`
    } else if (typeof current === "string") {
      if (current.length > limits.maxStringChars) {
        return `${path} is longer than ${limits.maxStringChars} characters (${current.length})`
      }
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) {
        stack.push({ value: current[index], path: `${path}[${index}]`, depth: depth + 1 })
      }
    } else if (typeof current === "object" && current !== null) {
      for (const [key, child] of Object.entries(current)) {
        if (key.length > Bounds.maxIdChars) return `${path} has a key longer than ${Bounds.maxIdChars} characters`
        stack.push({ value: child, path: `${path}.${key}`, depth: depth + 1 })
      }
    }
  }
  return undefined
}
