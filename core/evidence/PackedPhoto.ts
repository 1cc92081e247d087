/** What `parcel.packed` records of the evidence photo: its hash, length and camera, or why there is none. */
import { Schema } from "effect"

export const PackedPhoto = Schema.Union([
  Schema.Struct({
    sha256: Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/)),
    bytes: Schema.Int.check(Schema.isGreaterThan(0)),
    cameraId: Schema.String
  }),
  Schema.Struct({ missing: Schema.String })
])
export type PackedPhoto = typeof PackedPhoto.Type
