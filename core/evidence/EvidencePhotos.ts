/** The port of where evidence photos are kept, one JPEG per parcel, and read back with the hash of what is there. */

import type { Effect } from "effect"
import { Context, Schema } from "effect"

export class PhotoStoreError extends Schema.TaggedError<PhotoStoreError>()("PhotoStoreError", {
  reason: Schema.Literals(["bad-parcel-id", "bad-token", "write-failed", "read-failed", "delete-failed"]),
  message: Schema.String
}) {}

/** What a kept photo is: the SHA-256 (lowercase hex) and length of the bytes as written. */
export interface StoredPhoto {
  readonly sha256: string
  readonly bytes: number
}

/** A still written and waiting for its parcel: `token` names it (two parcels may show the very same bytes). */
export interface StagedPhoto extends StoredPhoto {
  readonly token: string
}

/** A staged still found on disk (one a completion left behind): its token, hash and when it was staged. */
export interface StagedLeftover {
  readonly token: string
  readonly sha256: string
  readonly stagedAtMs: number
}

export class EvidencePhotos extends Context.Service<
  EvidencePhotos,
  {
    /**
     * Writes a still whole and durably before the parcel exists, so the completing transaction waits for no disk
     * write of the photo: the parcel's event records its hash, and `place` gives it the parcel's name afterwards.
     */
    readonly stage: (jpeg: Uint8Array) => Effect.Effect<StagedPhoto, PhotoStoreError>
    /** Makes a staged still the parcel's photo (a rename), replacing one a rolled back completion left there. */
    readonly place: (token: string, parcelId: string) => Effect.Effect<void, PhotoStoreError>
    /** Deletes a staged still whose parcel was not packed; one already gone is not an error. */
    readonly discard: (token: string) => Effect.Effect<void, PhotoStoreError>
    /** The staged stills still on disk: completions interrupted between their commit and `place`, or refused. */
    readonly leftovers: Effect.Effect<ReadonlyArray<StagedLeftover>, PhotoStoreError>
    /** The bytes as they are now and their hash, which the caller compares with the recorded one; none: undefined. */
    readonly read: (
      parcelId: string
    ) => Effect.Effect<{ readonly jpeg: Uint8Array; readonly sha256: string } | undefined, PhotoStoreError>
    /** Deletes the parcel's photo; one already gone is not an error. */
    readonly remove: (parcelId: string) => Effect.Effect<void, PhotoStoreError>
  }
>()("packbench/core/evidence/EvidencePhotos") {}
