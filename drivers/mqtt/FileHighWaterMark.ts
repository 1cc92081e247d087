/** Keeps the sync high-water mark in a file beside the database, where a restore does not reach it. */
import { Effect, Layer, Schema, Semaphore } from "effect"
import { HighWaterMark, type HighWaterMarkValue } from "../../core/sync/HighWaterMark.ts"
import { readJsonFile } from "../fs/readJsonFile.ts"
import { writeFileAtomicAsync } from "../fs/writeFileAtomic.ts"
import { toStoreError } from "../sqlite/SqliteSql.ts"

const MarkFile = Schema.Struct({ epoch: Schema.String, seq: Schema.Int })

/**
 * The high-water mark as a small JSON file beside the database (`<data-dir>/sync-highwater.json`), replaced
 * atomically and durably, so a crash leaves the old or the new mark, never half of one. The write and its fsyncs run
 * off the event loop (the outbox waits for them; scans and printers do not), one at a time and uninterruptibly: an
 * interrupted caller cannot let a later mark be overtaken on disk by an earlier one still in flight.
 */
export const makeFileHighWaterMark = (path: string) => {
  const read = readJsonFile(
    path,
    MarkFile,
    (detail) => `high-water mark ${path} is unreadable (${detail}); move it away to start over`
  )
  const oneAtATime = Semaphore.makeUnsafe(1)
  const write = (value: HighWaterMarkValue) =>
    Effect.tryPromise({
      try: () => writeFileAtomicAsync(path, JSON.stringify(value)),
      catch: toStoreError
    }).pipe(oneAtATime.withPermits(1), Effect.uninterruptible)
  return HighWaterMark.of({ read, write })
}

export const layerFileHighWaterMark = (path: string) => Layer.succeed(HighWaterMark, makeFileHighWaterMark(path))
