/** The events the station records of the shop's box catalog updates. */
import { Schema } from "effect"
import { defineEvent } from "../events/EventDefinition.ts"

export const BoxCatalogUpdated = defineEvent({
  type: "box.catalog-updated",
  version: 1,
  payload: Schema.Struct({
    boxVersion: Schema.Int,
    applied: Schema.Array(Schema.String),
    retired: Schema.Array(Schema.String),
    /** Boxes this station already holds at the same or a newer version: the message was stale for them. */
    ignored: Schema.Array(Schema.String)
  })
})
