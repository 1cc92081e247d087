/** The `browser` evidence camera: the bench screen sends a still just before it completes a parcel, the bench takes it. */
import { Context, Effect, Layer } from "effect"
import { StationClock } from "../time/Clock.ts"
import { CameraError, type EvidenceCamera, looksLikeJpeg } from "./EvidenceCamera.ts"

/** A still the screen takes fits one API request (the HTTP transport takes 1 MB bodies; base64 adds a third). */
export const BROWSER_STILL_MAX_BYTES = 700_000
/** A still older than this is not of the parcel being completed now. */
export const BROWSER_STILL_MAX_AGE_MS = 30_000

export class BrowserStills extends Context.Service<
  BrowserStills,
  {
    /** Keeps the screen's still for the next completion; refuses what is not a JPEG of a still's size. */
    readonly offer: (jpeg: Uint8Array) => Effect.Effect<void, CameraError>
    readonly camera: (cameraId: string) => EvidenceCamera["Service"]
  }
>()("packbench/core/evidence/BrowserStills") {
  static readonly layer = Layer.effect(
    BrowserStills,
    Effect.gen(function* () {
      const clock = yield* StationClock
      let latest: { readonly jpeg: Uint8Array; readonly atMs: number } | undefined
      const offer = (jpeg: Uint8Array) =>
        jpeg.length > BROWSER_STILL_MAX_BYTES || !looksLikeJpeg(jpeg)
          ? Effect.fail(
              new CameraError({
                reason: "not-jpeg",
                message: `The screen's still is not a JPEG of at most ${BROWSER_STILL_MAX_BYTES} bytes`
              })
            )
          : Effect.map(clock.now, (now) => {
              latest = { jpeg, atMs: now.wallMs }
            })
      const camera = (cameraId: string): EvidenceCamera["Service"] => ({
        cameraId,
        capture: Effect.flatMap(clock.now, (now) => {
          const still = latest
          // Taken once: the next parcel needs a still of its own.
          latest = undefined
          if (still === undefined || now.wallMs - still.atMs > BROWSER_STILL_MAX_AGE_MS) {
            return Effect.fail(
              new CameraError({
                reason: "no-frames",
                message: `The bench screen sent no still for camera ${cameraId} in the last ${BROWSER_STILL_MAX_AGE_MS / 1000} s`
              })
            )
          }
          return Effect.succeed(still.jpeg)
        })
      })
      return BrowserStills.of({ offer, camera })
    })
  )
}
