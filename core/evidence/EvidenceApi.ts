/** The evidence photos' API slice: a parcel's pack photo for a signed-in screen, its hash checked on every read. */
import { Schema } from "effect"
import { IdInput } from "../api/ApiInputs.ts"
import { BROWSER_STILL_MAX_BYTES } from "./BrowserStills.ts"

/**
 * A parcel's evidence photo as a screen may show it. Only `shown` is evidence: its bytes hash to what
 * `parcel.packed` recorded. `altered` means the file on disk no longer matches and is not sent; `lost` that it is
 * gone though recorded; `missing` that the camera gave none at packing; `pruned` that retention deleted it; `none`
 * that the parcel was packed without a camera (or is not known).
 */
export const PhotoView = Schema.Union([
  Schema.Struct({
    status: Schema.Literal("shown"),
    parcelId: Schema.String,
    sha256: Schema.String,
    bytes: Schema.Int,
    cameraId: Schema.String,
    packedAtMs: Schema.Number,
    jpegBase64: Schema.String
  }),
  Schema.Struct({
    status: Schema.Literal("altered"),
    parcelId: Schema.String,
    recordedSha256: Schema.String,
    foundSha256: Schema.String
  }),
  Schema.Struct({ status: Schema.Literal("lost"), parcelId: Schema.String }),
  Schema.Struct({ status: Schema.Literal("missing"), parcelId: Schema.String, reason: Schema.String }),
  Schema.Struct({ status: Schema.Literal("pruned"), parcelId: Schema.String, prunedAtMs: Schema.Number }),
  Schema.Struct({ status: Schema.Literal("none"), parcelId: Schema.String })
])
export type PhotoView = typeof PhotoView.Type

/** A parcel packed at this bench, newest first, with what its evidence photo is (not the photo itself). */
export const RecentParcel = Schema.Struct({
  parcelId: Schema.String,
  orderId: Schema.String,
  packedAtMs: Schema.Number,
  photo: Schema.Literals(["recorded", "missing", "pruned", "none"])
})
export type RecentParcel = typeof RecentParcel.Type

/** How many recent parcels the Manager screen's parcel view lists. */
export const RECENT_PARCELS = 20

export const EvidenceApi = {
  /** Any signed-in operator's (the Manager screen's parcel view, the returns desk); the photo never leaves the site. */
  "evidence.photo": { input: Schema.Struct({ parcelId: IdInput }), output: PhotoView },
  /** The last parcels packed here, newest first (at most RECENT_PARCELS), so a manager picks one instead of typing. */
  "evidence.recentParcels": { input: Schema.Struct({}), output: Schema.Array(RecentParcel) },
  /**
   * A packer's screen with a `browser` camera: the still it took just before `pack.complete` (base64 JPEG, bounded to
   * one request); refused when the station has no browser camera or the bytes are not a JPEG.
   */
  /** Which camera takes the pack photo: `browser` tells the packer's screen to send a still before completing. */
  "evidence.camera": {
    input: Schema.Struct({}),
    output: Schema.Struct({ kind: Schema.Literals(["none", "device", "browser"]) })
  },
  "evidence.offerStill": {
    input: Schema.Struct({
      jpegBase64: Schema.String.check(Schema.isMaxLength(Math.ceil(BROWSER_STILL_MAX_BYTES / 3) * 4))
    }),
    output: Schema.Struct({ bytes: Schema.Int })
  }
} as const
export type EvidenceApi = typeof EvidenceApi
