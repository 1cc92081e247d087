/** Keeps the sync high-water mark in a file beside the database, where a restore does not reach it. */
import { Effect, Layer, Schema } from "effect"
import { HighWaterMark, type HighWaterMarkValue } from "../../core/sync/HighWaterMark.ts"
import { readJsonFile } from "../fs/readJsonFile.ts"
import { writeFileAtomic } from "../fs/writeFileAtomic.ts"
import { toStoreError } from "../sqlite/SqliteSql.ts"

const MarkFile = Schema.Struct({ epoch: Schema.String, seq: Schema.Int })

/**
 * The high-water mark as a small JSON file beside the database (`<data-dir>/sync-highwater.json`), replaced
 * atomically and durably, so a crash leaves the old or the new mark, never half of one.
 */
export const makeFileHighWaterMark = (path: string) => {
  const read = readJsonFile(
    path,
    MarkFile,
    (detail) => `high-water mark ${path} is unreadable (${detail}); move it away to start over`
  )
  const write = (value: HighWaterMarkValue) =>
    Effect.try({
      try: () => writeFileAtomic(path, JSON.stringify(value)),
      catch: toStoreError
    })
  return HighWaterMark.of({ read, write })
}

export const layerFileHighWaterMark = (path: string) => Layer.succeed(HighWaterMark, makeFileHighWaterMark(path))
