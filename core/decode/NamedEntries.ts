/** A list from outside whose refusals name the entry they are about, not only its place in the list. */
import { Schema } from "effect"
import { describeIssue } from "./DecodeProblem.ts"

/**
 * A list read in two steps: each entry in its `shape` first, then against `bounded`, so that a refusal of an
 * entry's bounds names it ("item ALP-MUG-01: weightGrams: Expected a value between 1 and 100000", at its place),
 * where its place alone would send a person counting through a list of hundreds. An entry that does not fit its
 * shape is refused by its place, as any list is.
 */
export const NamedEntries = <Shape extends Schema.Top>(
  shape: Shape,
  bounded: Schema.Decoder<unknown>,
  name: (entry: Shape["Type"]) => string
) => {
  const decodeBounded = Schema.decodeUnknownResult(bounded)
  return Schema.Array(shape).check(
    Schema.makeFilter((entries: ReadonlyArray<Shape["Type"]>) =>
      entries.flatMap((entry, index) => {
        const decoded = decodeBounded(entry, { errors: "all" })
        return decoded._tag === "Success"
          ? []
          : describeIssue(decoded.failure.issue).map((problem) => ({
              path: [index],
              issue: `${name(entry)}: ${problem.path}: ${problem.message}`
            }))
      })
    )
  )
}
