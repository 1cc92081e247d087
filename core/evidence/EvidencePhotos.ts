/** The port of where evidence photos are kept, one JPEG per parcel, and read back with the hash of what is there. */

import type { Effect } from "effect"
import { Context, Schema } from "effect"

export class PhotoStoreError extends Schema.TaggedError<PhotoStoreError>()("PhotoStoreError", {
  reason: Schema.Literals(["bad-parcel-id", "write-failed", "read-failed", "delete-failed"]),
  message: Schema.String
}) {}

/** What a kept photo is: the SHA-256 (lowercase hex) and length of the bytes as written. */
export interface StoredPhoto {
  readonly sha256: string
  readonly bytes: number
}

export class EvidencePhotos extends Context.Service<
  EvidencePhotos,
  {
    /** Writes the parcel's photo whole or not at all, replacing one left by a completion that rolled back. */
    readonly save: (parcelId: string, jpeg: Uint8Array) => Effect.Effect<StoredPhoto, PhotoStoreError>
    /** The bytes as they are now and their hash, which the caller compares with the recorded one; none: undefined. */
    readonly read: (
      parcelId: string
    ) => Effect.Effect<{ readonly jpeg: Uint8Array; readonly sha256: string } | undefined, PhotoStoreError>
    /** Deletes the parcel's photo; one already gone is not an error. */
    readonly remove: (parcelId: string) => Effect.Effect<void, PhotoStoreError>
  }
>()("packbench/core/evidence/EvidencePhotos") {}
