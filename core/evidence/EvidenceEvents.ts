/** The events of the pack evidence photos: which photos retention deleted. */
import { Schema } from "effect"
import { defineEvent } from "../events/EventDefinition.ts"

/**
 * Photos deleted because their parcels were packed longer ago than the retention: the parcels whose files are gone,
 * the retention that applied and the packing time before which photos were due. Their hashes stay in `parcel.packed`.
 */
export const EvidencePhotosPruned = defineEvent({
  type: "evidence.photos-pruned",
  version: 1,
  payload: Schema.Struct({
    parcelIds: Schema.Array(Schema.String),
    retentionDays: Schema.Int,
    packedBeforeMs: Schema.Number
  })
})
