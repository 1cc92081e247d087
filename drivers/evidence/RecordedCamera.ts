/** The evidence camera that plays back a directory of JPEG frames in turn: the tests' and the simulation's camera. */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { CameraError, type EvidenceCamera, looksLikeJpeg } from "../../core/evidence/EvidenceCamera.ts"

/**
 * Reads the directory's `.jpg`/`.jpeg` frames in name order on every capture, cycling, so frames can be added while
 * the station runs. An empty or missing directory, or a frame that is not a JPEG, is a CameraError like a real
 * camera's failure.
 */
export const makeRecordedCamera = (cameraId: string, directory: string): EvidenceCamera["Service"] => {
  let next = 0
  return {
    cameraId,
    capture: Effect.gen(function* () {
      const frames = yield* Effect.try({
        try: () =>
          readdirSync(directory)
            .filter((name) => /\.jpe?g$/i.test(name))
            .sort(),
        catch: (error) =>
          new CameraError({
            reason: "no-frames",
            message: `The recorded camera ${cameraId} cannot read its directory ${directory}: ${(error as Error).message}`
          })
      })
      if (frames.length === 0) {
        return yield* new CameraError({
          reason: "no-frames",
          message: `The recorded camera ${cameraId} has no .jpg frames in ${directory}`
        })
      }
      const name = frames[next % frames.length]!
      next = (next + 1) % frames.length
      const bytes = yield* Effect.try({
        try: () => new Uint8Array(readFileSync(join(directory, name))),
        catch: (error) =>
          new CameraError({ reason: "failed", message: `Cannot read frame ${name}: ${(error as Error).message}` })
      })
      if (!looksLikeJpeg(bytes)) {
        return yield* new CameraError({ reason: "not-jpeg", message: `Frame ${name} of ${directory} is not a JPEG` })
      }
      return bytes
    })
  }
}
