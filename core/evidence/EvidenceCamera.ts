/** The port of the camera that photographs a parcel at "packed": one still as JPEG bytes, or the reason there is none. */

import type { Effect } from "effect"
import { Context, Schema } from "effect"

/**
 * Why the camera gave no still: its program or device is missing, it did not answer in time, it answered with
 * something that is not a JPEG, or it failed otherwise. The message names the device or program for a person.
 */
export class CameraError extends Schema.TaggedError<CameraError>()("CameraError", {
  reason: Schema.Literals(["program-missing", "device-missing", "no-frames", "timeout", "not-jpeg", "failed"]),
  message: Schema.String
}) {}

/** The largest still the station keeps; a bench camera's JPEG is far below it, anything bigger is not a still. */
export const MAX_PHOTO_BYTES = 8 * 1024 * 1024

/** Whether the bytes open as a JPEG does (SOI marker followed by another marker) and are of a still's size. */
export const looksLikeJpeg = (bytes: Uint8Array): boolean =>
  bytes.length >= 4 && bytes.length <= MAX_PHOTO_BYTES && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff

export class EvidenceCamera extends Context.Service<
  EvidenceCamera,
  {
    /** The configured camera's id, recorded with every photo it took. */
    readonly cameraId: string
    readonly capture: Effect.Effect<Uint8Array, CameraError>
  }
>()("packbench/core/evidence/EvidenceCamera") {}
