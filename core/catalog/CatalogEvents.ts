/** The events the station records of the shop's catalog updates. */
import { Schema } from "effect"
import { defineEvent } from "../events/EventDefinition.ts"

export const CatalogUpdated = defineEvent({
  type: "catalog.updated",
  version: 1,
  payload: Schema.Struct({
    catalogVersion: Schema.Int,
    applied: Schema.Array(Schema.String),
    /** Items this station already holds at the same or a newer version: the message was stale for them. */
    ignored: Schema.Array(Schema.String)
  })
})
