/** Takes the pack evidence still before the parcel's transaction and gives it the parcel's name once that commits. */
import { Effect, Option } from "effect"
import { EvidenceCamera } from "./EvidenceCamera.ts"
import { EvidencePhotos, type StagedPhoto } from "./EvidencePhotos.ts"
import type { PackedPhoto } from "./PackedPhoto.ts"

/** A still taken at "packed" and staged on disk, or the reason there is none. */
export type PackShot =
  | { readonly staged: StagedPhoto; readonly cameraId: string }
  | { readonly missing: string; readonly cameraId: string }

/**
 * The bench's photographer: without a camera (or a place to keep photos) configured it takes nothing and the parcel
 * records no photo at all. A camera or a disk that fails never stops the packing: the parcel records why its photo
 * is missing.
 */
export const makePackPhotographer = Effect.gen(function* () {
  const camera = yield* Effect.serviceOption(EvidenceCamera)
  const photos = yield* Effect.serviceOption(EvidencePhotos)

  /**
   * The still, taken and written durably outside any transaction: a camera and a disk take their time and the
   * database must not wait for them. The completing transaction only records the still's hash.
   */
  const take: Effect.Effect<PackShot | undefined> =
    Option.isSome(camera) && Option.isSome(photos)
      ? camera.value.capture.pipe(
          Effect.flatMap((jpeg) =>
            photos.value.stage(jpeg).pipe(
              Effect.map((staged): PackShot => ({ staged, cameraId: camera.value.cameraId })),
              Effect.catchTag("PhotoStoreError", (error) =>
                Effect.as(Effect.logWarning(`evidence photo not kept: ${error.message}`), {
                  missing: `not kept: ${error.message}`,
                  cameraId: camera.value.cameraId
                } satisfies PackShot)
              )
            )
          ),
          Effect.catchTag("CameraError", (error) =>
            Effect.as(Effect.logWarning(`evidence camera ${camera.value.cameraId}: ${error.message}`), {
              missing: error.message,
              cameraId: camera.value.cameraId
            } satisfies PackShot)
          ),
          Effect.withSpan("PackPhotographer.take")
        )
      : Effect.succeed(undefined)

  /** What the parcel's event records of the shot. */
  const photoOf = (shot: PackShot | undefined): PackedPhoto | undefined =>
    shot === undefined
      ? undefined
      : "missing" in shot
        ? { missing: shot.missing }
        : { sha256: shot.staged.sha256, bytes: shot.staged.bytes, cameraId: shot.cameraId }

  /**
   * After the completing transaction: the staged still becomes the parcel's photo, or is deleted when no parcel
   * was packed. Should either fail, the photo retention pass finds the still among the leftovers and does it again.
   */
  const settle = (shot: PackShot | undefined, parcelId: string | undefined): Effect.Effect<void> => {
    if (shot === undefined || "missing" in shot || !Option.isSome(photos)) return Effect.void
    const done =
      parcelId === undefined ? photos.value.discard(shot.staged.token) : photos.value.place(shot.staged.token, parcelId)
    return done.pipe(
      Effect.catchTag("PhotoStoreError", (error) =>
        Effect.logWarning(
          `evidence photo ${parcelId === undefined ? "of a parcel not packed not deleted" : `of ${parcelId} not in place`}` +
            ` (the retention pass tries again): ${error.message}`
        )
      )
    )
  }

  return { take, photoOf, settle }
})
