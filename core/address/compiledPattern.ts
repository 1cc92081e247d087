/** Compiles the country data's postal-code patterns once, anchored as whole codes or as prefixes. */
const cache = new Map<string, RegExp>()

/**
 * The Google data's `zip`/`sub_zips` regexes are written to match a whole postal code (`whole`) or its start
 * (`prefix`); they carry no anchors of their own, so alternations like "9[0-5]|96[01]" must be grouped first.
 */
export const compiledPattern = (pattern: string, anchoring: "whole" | "prefix"): RegExp => {
  const source = anchoring === "whole" ? `^(?:${pattern})$` : `^(?:${pattern})`
  let compiled = cache.get(source)
  if (compiled === undefined) {
    compiled = new RegExp(source)
    cache.set(source, compiled)
  }
  return compiled
}
