/** The evidence camera on a Linux video device: ffmpeg reads one frame of it as a JPEG. */
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { Effect } from "effect"
import { CameraError, type EvidenceCamera, looksLikeJpeg, MAX_PHOTO_BYTES } from "../../core/evidence/EvidenceCamera.ts"

export const DEFAULT_V4L2_TIMEOUT_MS = 5_000

/**
 * Runs `ffmpeg -f v4l2 -i <device> -frames:v 1 -f mjpeg -` for every still and takes what it writes to stdout. A
 * device that does not exist, an ffmpeg that is not installed, a frame that does not come within the timeout (ffmpeg
 * is killed) and output that is not a JPEG each fail with their own reason, the message naming device or program.
 */
export const makeV4l2Camera = (options: {
  readonly cameraId: string
  readonly device: string
  readonly timeoutMs?: number
  /** The ffmpeg to run; `ffmpeg` from PATH unless told. */
  readonly ffmpeg?: string
}): EvidenceCamera["Service"] => {
  const ffmpeg = options.ffmpeg ?? "ffmpeg"
  const timeoutMs = options.timeoutMs ?? DEFAULT_V4L2_TIMEOUT_MS
  const { cameraId, device } = options
  const capture = Effect.callback<Uint8Array, CameraError>((resume) => {
    if (!existsSync(device)) {
      resume(
        Effect.fail(
          new CameraError({
            reason: "device-missing",
            message: `The camera device ${device} of camera ${cameraId} does not exist (is the camera plugged in?)`
          })
        )
      )
      return
    }
    const child = spawn(
      ffmpeg,
      ["-hide_banner", "-loglevel", "error", "-f", "v4l2", "-i", device, "-frames:v", "1", "-f", "mjpeg", "-"],
      {
        stdio: ["ignore", "pipe", "pipe"]
      }
    )
    const chunks: Array<Buffer> = []
    let size = 0
    let stderr = ""
    let settled = false
    const finish = (effect: Effect.Effect<Uint8Array, CameraError>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resume(effect)
    }
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      finish(
        Effect.fail(
          new CameraError({
            reason: "timeout",
            message: `Camera ${cameraId} (${device}) gave no frame in ${timeoutMs} ms`
          })
        )
      )
    }, timeoutMs)
    child.stdout.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_PHOTO_BYTES) {
        child.kill("SIGKILL")
        finish(
          Effect.fail(new CameraError({ reason: "not-jpeg", message: `Camera ${cameraId} sent more than a still` }))
        )
        return
      }
      chunks.push(chunk)
    })
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString("utf8")
    })
    child.on("error", (error: NodeJS.ErrnoException) => {
      finish(
        Effect.fail(
          error.code === "ENOENT"
            ? new CameraError({
                reason: "program-missing",
                message: `ffmpeg (${ffmpeg}) is not installed, so camera ${cameraId} cannot take a photo`
              })
            : new CameraError({ reason: "failed", message: `Cannot run ${ffmpeg}: ${error.message}` })
        )
      )
    })
    child.on("close", (code) => {
      const bytes = new Uint8Array(Buffer.concat(chunks))
      if (code !== 0) {
        finish(
          Effect.fail(
            new CameraError({
              reason: "failed",
              message: `ffmpeg could not read ${device} (exit ${code}): ${stderr.trim().slice(0, 300)}`
            })
          )
        )
      } else if (!looksLikeJpeg(bytes)) {
        finish(
          Effect.fail(new CameraError({ reason: "not-jpeg", message: `ffmpeg's frame of ${device} is not a JPEG` }))
        )
      } else {
        finish(Effect.succeed(bytes))
      }
    })
    return Effect.sync(() => {
      clearTimeout(timer)
      if (!settled) child.kill("SIGKILL")
    })
  })
  return { cameraId, capture }
}
