/** Turns Schema decode issues into per-field problems a person can find and fix. */
import { Effect, Schema, SchemaIssue } from "effect"

/** One thing wrong with decoded input, located by a dotted path a person can find in their file or payload. */
export interface DecodeProblem {
  readonly path: string
  readonly message: string
}

const formatLeaf = SchemaIssue.makeFormatterDefault()

const pathText = (path: ReadonlyArray<PropertyKey>) =>
  path.map((key, index) => (typeof key === "number" ? `[${key}]` : `${index === 0 ? "" : "."}${String(key)}`)).join("")

const collect = (issue: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey>, out: Array<DecodeProblem>): void => {
  switch (issue._tag) {
    case "Pointer":
      collect(issue.issue, [...path, ...issue.path], out)
      return
    case "Composite":
      for (const inner of issue.issues) collect(inner, path, out)
      return
    case "AnyOf": {
      // An optional field is a union with undefined: when one member was tried, its problems are the real ones.
      const [only, ...others] = issue.issues
      if (only !== undefined && others.length === 0) {
        collect(only, path, out)
        return
      }
      out.push({ path: pathText(path), message: formatLeaf(issue) })
      return
    }
    case "Filter":
      // A refinement's own message ("Expected a value between 1 and 65535, got 0") says more than its inner issue.
      out.push({ path: pathText(path), message: formatLeaf(issue) })
      return
    default:
      out.push({ path: pathText(path), message: formatLeaf(issue) })
  }
}

/** Flattens a Schema issue tree into one problem per offending field. */
export const describeIssue = (issue: SchemaIssue.Issue): ReadonlyArray<DecodeProblem> => {
  const out: Array<DecodeProblem> = []
  collect(issue, [], out)
  return out
}

export const describeProblems = (problems: ReadonlyArray<DecodeProblem>): string =>
  problems.map((problem) => `${problem.path === "" ? "(root)" : problem.path}: ${problem.message}`).join("\n")

/**
 * Decodes input at a boundary, reporting every problem with the offending value, and refusing keys the schema does
 * not know (a misspelt config key is a mistake, not something to ignore).
 */
export const decodeStrict =
  <S extends Schema.Top>(schema: S) =>
  (input: unknown): Effect.Effect<S["Type"], ReadonlyArray<DecodeProblem>, S["DecodingServices"]> =>
    Schema.decodeUnknownEffect(schema)(input, { errors: "all", onExcessProperty: "error", reportInput: true }).pipe(
      Effect.mapError((error) => describeIssue(error.issue))
    )
