/** Number range reservations kept in a JSON file beside the station database. */
import { Effect, Layer, Schema } from "effect"
import { NumberReservations } from "../../core/numbering/NumberReservations.ts"
import { readJsonFile } from "../fs/readJsonFile.ts"
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
  const load = readJsonFile(
    path,
    MarksFile,
    (detail) =>
      `number reservations ${path} are unreadable (${detail}): restore the file; moving it away would let a restored database issue numbers twice`
  ).pipe(Effect.map((marks) => marks ?? {}))
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
