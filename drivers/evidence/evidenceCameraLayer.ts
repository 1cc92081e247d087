/** Builds the station's evidence camera and photo store from its configuration, or nothing without a camera. */
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import type { CameraConfig } from "../../core/config/StationConfig.ts"
import { BrowserStills } from "../../core/evidence/BrowserStills.ts"
import { EvidenceCamera } from "../../core/evidence/EvidenceCamera.ts"
import type { StationClock } from "../../core/time/Clock.ts"
import { fileEvidencePhotosLayer } from "./FileEvidencePhotos.ts"
import { makeRecordedCamera } from "./RecordedCamera.ts"
import { drawTestFrame } from "./testFrame.ts"
import { makeV4l2Camera } from "./V4l2Camera.ts"

/** The simulated camera's frames when `path` is not set: one generated on first start. */
const generatedFrames = (dataDir: string) => {
  const directory = join(dataDir, "camera-frames")
  mkdirSync(directory, { recursive: true })
  const frame = join(directory, "frame-001.jpg")
  if (!existsSync(frame)) writeFileSync(frame, drawTestFrame(1))
  return directory
}

/**
 * The first configured camera takes the pack evidence photos. A `browser` camera's stills come from the bench
 * screen over `evidence.offerStill`, just before it completes the parcel.
 */
export const evidenceLayer = (
  cameras: ReadonlyArray<CameraConfig>,
  dataDir: string,
  log: (line: string) => void
): Layer.Layer<never, never, StationClock> => {
  const camera = cameras[0]
  if (camera === undefined) return Layer.empty
  const photos = fileEvidencePhotosLayer(dataDir)
  switch (camera.type) {
    case "recorded": {
      const directory = camera.path ?? generatedFrames(dataDir)
      log(`Evidence camera ${camera.id}: recorded frames from ${directory}`)
      return Layer.merge(
        Layer.succeed(EvidenceCamera, EvidenceCamera.of(makeRecordedCamera(camera.id, directory))),
        photos
      )
    }
    case "v4l2":
      log(`Evidence camera ${camera.id}: ${camera.device} through ffmpeg`)
      return Layer.merge(
        Layer.succeed(
          EvidenceCamera,
          EvidenceCamera.of(
            makeV4l2Camera({
              cameraId: camera.id,
              device: camera.device,
              ...(camera.timeoutMs === undefined ? {} : { timeoutMs: camera.timeoutMs })
            })
          )
        ),
        photos
      )
    case "browser":
      log(`Evidence camera ${camera.id}: the bench screen's camera`)
      return Layer.merge(
        Layer.effect(
          EvidenceCamera,
          Effect.map(BrowserStills, (stills) => EvidenceCamera.of(stills.camera(camera.id)))
        ).pipe(Layer.provideMerge(BrowserStills.layer)),
        photos
      )
  }
}
