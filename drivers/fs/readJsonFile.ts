/** Reads a small JSON state file the station keeps beside its database, decoded by a schema, absent as undefined. */
import { readFileSync } from "node:fs"
import { Effect, Schema } from "effect"
import { StoreError } from "../../core/store/Sql.ts"
import { toStoreError } from "../sqlite/SqliteSql.ts"

/**
 * The file at `path` decoded by `schema`, or undefined when there is none. A file that cannot be read fails with the
 * I/O error; one that is no JSON or does not fit the schema fails as `Corrupt`, with `unreadable(detail)` saying
 * what the operator should do about it.
 */
export const readJsonFile = <S extends Schema.Top>(
  path: string,
  schema: S,
  unreadable: (detail: string) => string
): Effect.Effect<S["Type"] | undefined, StoreError, S["DecodingServices"]> =>
  Effect.try({
    try: () => {
      try {
        return readFileSync(path, "utf8")
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
        throw error
      }
    },
    catch: toStoreError
  }).pipe(
    Effect.flatMap((text) =>
      text === undefined
        ? Effect.succeed(undefined)
        : Effect.try({ try: () => JSON.parse(text) as unknown, catch: (error) => error }).pipe(
            Effect.flatMap(Schema.decodeUnknownEffect(schema)),
            Effect.mapError((error) => new StoreError({ reason: "Corrupt", message: unreadable(String(error)) }))
          )
    )
  )
