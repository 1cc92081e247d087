/** Deletes pack evidence photos once their retention has run out, and records which. */
import { Context, Duration, Effect, Layer, Option } from "effect"
import { EventLog } from "../events/EventLog.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { StationClock } from "../time/Clock.ts"
import { EvidencePhotosPruned } from "./EvidenceEvents.ts"
import { EvidencePhotos, type PhotoStoreError } from "./EvidencePhotos.ts"

const DAY_MS = 86_400_000
/** Photos are due by the day; looking every hour keeps one no more than an hour past its retention. */
const PASS_INTERVAL = Duration.hours(1)
/** Bounds one pass's transaction; a backlog is worked off over the following passes. */
const BATCH = 500
/**
 * A staged still younger than this may belong to a completion still under way; older, its completion was
 * interrupted (a crash between the commit and the rename) or refused, and the pass settles it.
 */
const STAGED_GRACE_MS = 10 * 60_000

export class PhotoRetention extends Context.Service<
  PhotoRetention,
  {
    /** Deletes the photos of parcels packed more than the retention ago; answers the parcels whose photo went. */
    readonly prune: Effect.Effect<ReadonlyArray<string>, StoreError>
    /**
     * Settles the stills a completion left staged: one whose hash a packed parcel records, and whose photo is not
     * there, becomes that parcel's photo; any other is deleted. Answers the parcels that got their photo.
     */
    readonly settleLeftovers: Effect.Effect<ReadonlyArray<string>, StoreError | PhotoStoreError>
    /** Prunes every hour for as long as the scope lives; a pass that fails is logged and the next one tries again. */
    readonly work: Effect.Effect<never>
  }
>()("packbench/core/evidence/PhotoRetention") {
  static readonly layer = (options: { readonly retentionDays: number }) =>
    Layer.effect(
      PhotoRetention,
      Effect.gen(function* () {
        const sql = yield* Sql
        const log = yield* EventLog
        const clock = yield* StationClock
        const photos = yield* Effect.serviceOption(EvidencePhotos)

        const prune = Effect.gen(function* () {
          if (Option.isNone(photos)) return []
          const now = yield* clock.now
          const packedBeforeMs = now.wallMs - options.retentionDays * DAY_MS
          const due = yield* sql.query<{ parcel_id: string }>(
            `SELECT parcel_id FROM parcels
             WHERE packed_at_ms < ? AND json_extract(data, '$.photo.sha256') IS NOT NULL
               AND json_extract(data, '$.photo.prunedAtMs') IS NULL
             ORDER BY packed_at_ms, parcel_id LIMIT ?`,
            [packedBeforeMs, BATCH]
          )
          const deleted: Array<string> = []
          for (const { parcel_id } of due) {
            const removed = yield* Effect.result(photos.value.remove(parcel_id))
            if (removed._tag === "Failure") {
              // Not recorded as pruned: the next pass tries it again.
              yield* Effect.logWarning(`evidence photo of ${parcel_id} not deleted: ${removed.failure.message}`)
              continue
            }
            deleted.push(parcel_id)
          }
          if (deleted.length === 0) return deleted
          yield* sql.transaction(
            Effect.gen(function* () {
              for (const parcelId of deleted) {
                yield* sql.execute(
                  "UPDATE parcels SET data = json_set(data, '$.photo.prunedAtMs', ?) WHERE parcel_id = ?",
                  [now.wallMs, parcelId]
                )
              }
              yield* log.append(
                EvidencePhotosPruned,
                { parcelIds: deleted, retentionDays: options.retentionDays, packedBeforeMs },
                { eventTime: now }
              )
            })
          )
          return deleted
        }).pipe(Effect.withSpan("PhotoRetention.prune"))

        const settleLeftovers = Effect.gen(function* () {
          if (Option.isNone(photos)) return []
          const now = yield* clock.now
          const placed: Array<string> = []
          for (const leftover of yield* photos.value.leftovers) {
            if (now.wallMs - leftover.stagedAtMs < STAGED_GRACE_MS) continue
            const owners = yield* sql.query<{ parcel_id: string }>(
              `SELECT parcel_id FROM parcels
               WHERE json_extract(data, '$.photo.sha256') = ? AND json_extract(data, '$.photo.prunedAtMs') IS NULL
               ORDER BY parcel_id`,
              [leftover.sha256]
            )
            let owner: string | undefined
            for (const { parcel_id } of owners) {
              if ((yield* photos.value.read(parcel_id)) === undefined) {
                owner = parcel_id
                break
              }
            }
            if (owner === undefined) {
              yield* photos.value.discard(leftover.token)
              continue
            }
            yield* photos.value.place(leftover.token, owner)
            placed.push(owner)
          }
          if (placed.length > 0) yield* Effect.logInfo(`evidence photos put in place after an interruption: ${placed}`)
          return placed
        }).pipe(Effect.withSpan("PhotoRetention.settleLeftovers"))

        const work = Effect.forever(
          settleLeftovers.pipe(
            Effect.andThen(prune),
            Effect.catchTags({
              StoreError: (error) =>
                Effect.as(Effect.logWarning(`evidence photo retention pass failed: ${error.message}`), []),
              PhotoStoreError: (error) =>
                Effect.as(Effect.logWarning(`evidence photo retention pass failed: ${error.message}`), [])
            }),
            Effect.andThen(Effect.sleep(PASS_INTERVAL))
          )
        )

        return PhotoRetention.of({ prune, settleLeftovers, work })
      })
    )
}
