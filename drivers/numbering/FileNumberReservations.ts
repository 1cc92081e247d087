/** Number range reservations kept in a JSON file beside the station database. */
import { readFileSync } from "node:fs"
import { Effect, Layer, Schema } from "effect"
import { NumberReservations } from "../../core/numbering/NumberReservations.ts"
import { StoreError } from "../../core/store/Sql.ts"
import { writeFileAtomic } from "../fs/writeFileAtomic.ts"
import { toStoreError } from "../sqlite/SqliteSql.ts"

const MarksFile = Schema.Record(Schema.String, Schema.Int)

/**
 * The number reservations as a small JSON file beside the database (`<data-dir>/number-reservations.json`),
 * replaced atomically and durably, so a crash leaves the old or the new marks, never half of them. One station
 * process writes it (the data dir is locked), so a read-modify-write from the cached marks is enough.
 */
export const makeFileNumberReservations = (path: string) => {
  let cache: Readonly<Record<string, number>> | undefined
  const load = Effect.try({
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
        ? Effect.succeed({})
        : Effect.try({ try: () => JSON.parse(text) as unknown, catch: (error) => error }).pipe(
            Effect.flatMap(Schema.decodeUnknownEffect(MarksFile)),
            Effect.mapError(
              (error) =>
                new StoreError({
                  reason: "Corrupt",
                  message: `number reservations ${path} are unreadable (${String(error)}): restore the file; moving it away would let a restored database issue numbers twice`
                })
            )
          )
    )
  )
  const read = Effect.suspend(() =>
    cache === undefined
      ? Effect.tap(load, (marks) =>
          Effect.sync(() => {
            cache = marks
          })
        )
      : Effect.succeed(cache)
  )
  const reserve = (name: string, reservedTo: number) =>
    Effect.gen(function* () {
      const next = { ...(yield* read), [name]: reservedTo }
      yield* Effect.try({ try: () => writeFileAtomic(path, JSON.stringify(next)), catch: toStoreError })
      cache = next
    })
  return NumberReservations.of({ read, reserve })
}

export const layerFileNumberReservations = (path: string) =>
  Layer.sync(NumberReservations, () => makeFileNumberReservations(path))
