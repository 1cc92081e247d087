/** The event envelope every stored fact shares: who, when, where, and its EPCIS view. */
import { Schema } from "effect"
import { Timestamp } from "../time/Clock.ts"

/** Who did it: the signed-in operator, or the station itself for automatic facts. */
export const Actor = Schema.Struct({
  role: Schema.Literals(["packer", "returns-clerk", "manager", "system"]),
  badgeId: Schema.optional(Schema.String),
  name: Schema.optional(Schema.String)
})
export type Actor = typeof Actor.Type

/**
 * The EPCIS 2.0 view of a fact (GS1 EPCIS/CBV 2.0): what (epcList / quantityList / parentID, e.g. the parcel's
 * SSCC as urn:epc:id:sscc), why (bizStep, disposition from the CBV vocabulary) and how (action). Where and when are
 * filled from the envelope: readPoint is the station, bizLocation the site, eventTime the device time and
 * recordTime the time the station recorded it.
 */
export const EpcisView = Schema.Struct({
  eventType: Schema.Literals(["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent"]),
  action: Schema.Literals(["ADD", "OBSERVE", "DELETE"]),
  bizStep: Schema.String,
  disposition: Schema.optional(Schema.String),
  epcList: Schema.optional(Schema.Array(Schema.String)),
  parentID: Schema.optional(Schema.String),
  quantityList: Schema.optional(
    Schema.Array(
      Schema.Struct({ epcClass: Schema.String, quantity: Schema.Number, uom: Schema.optional(Schema.String) })
    )
  ),
  bizTransactionList: Schema.optional(
    Schema.Array(Schema.Struct({ type: Schema.String, bizTransaction: Schema.String }))
  )
})
export type EpcisView = typeof EpcisView.Type

/**
 * One business fact as stored and as sent. Append-only: a correction is a new event that refers to the old one.
 * (stationId, epoch, seq) identifies it for consumers; seq is gap-free per station database, and epoch changes when a
 * station database is created anew or restored, so numbers from an older life are never confused with new ones.
 */
export const EventEnvelope = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  version: Schema.Int,
  siteId: Schema.String,
  stationId: Schema.String,
  epoch: Schema.String,
  seq: Schema.Int,
  eventTime: Timestamp,
  recordTimeMs: Schema.Number,
  actor: Actor,
  payload: Schema.Unknown,
  epcis: Schema.optional(EpcisView)
})
export type EventEnvelope = typeof EventEnvelope.Type
