/** Takes the pack evidence still before the label prints and keeps it under the parcel's id once that exists. */
import { Effect, Option } from "effect"
import { EvidenceCamera } from "./EvidenceCamera.ts"
import { EvidencePhotos } from "./EvidencePhotos.ts"
import type { PackedPhoto } from "./PackedPhoto.ts"

/** A still taken at "packed" and not yet kept, or the reason the camera gave none. */
export type PackShot =
  | { readonly jpeg: Uint8Array; readonly cameraId: string }
  | { readonly missing: string; readonly cameraId: string }

/**
 * The bench's photographer: without a camera (or a place to keep photos) configured it takes nothing and the parcel
 * records no photo at all. A camera that fails never stops the packing: the parcel records why its photo is missing.
 */
export const makePackPhotographer = Effect.gen(function* () {
  const camera = yield* Effect.serviceOption(EvidenceCamera)
  const photos = yield* Effect.serviceOption(EvidencePhotos)
  const configured = Option.isSome(camera) && Option.isSome(photos)

  /** The still, taken outside any transaction: a camera takes its time and the database must not wait for it. */
  const take: Effect.Effect<PackShot | undefined> = configured
    ? camera.value.capture.pipe(
        Effect.map((jpeg): PackShot => ({ jpeg, cameraId: camera.value.cameraId })),
        Effect.catchTag("CameraError", (error) =>
          Effect.as(Effect.logWarning(`evidence camera ${camera.value.cameraId}: ${error.message}`), {
            missing: error.message,
            cameraId: camera.value.cameraId
          } satisfies PackShot)
        ),
        Effect.withSpan("PackPhotographer.take")
      )
    : Effect.succeed(undefined)

  /**
   * Writes the still as the parcel's photo, inside the completing transaction so the event carries its hash. Should
   * that transaction roll back, the file stays behind under an id the next parcel takes again, and is replaced.
   */
  const keep = (parcelId: string, shot: PackShot | undefined): Effect.Effect<PackedPhoto | undefined> => {
    if (shot === undefined || !Option.isSome(photos)) return Effect.succeed(undefined)
    if ("missing" in shot) return Effect.succeed({ missing: shot.missing })
    return photos.value.save(parcelId, shot.jpeg).pipe(
      Effect.map((stored): PackedPhoto => ({ sha256: stored.sha256, bytes: stored.bytes, cameraId: shot.cameraId })),
      Effect.catchTag("PhotoStoreError", (error) =>
        Effect.as(Effect.logWarning(`evidence photo of ${parcelId} not kept: ${error.message}`), {
          missing: `not kept: ${error.message}`
        } satisfies PackedPhoto)
      )
    )
  }

  return { take, keep }
})
