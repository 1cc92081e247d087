/** The station API slice for the bench's boxes, scales and current weight. */
import { Schema } from "effect"
import { BoxListing } from "./Box.ts"
import { PackView } from "./PackView.ts"
import { ScaleView } from "./ScaleView.ts"

/** What the Pack screen asks about the bench's equipment: its boxes and its scales, and the weight from the scale. */
export const BenchApi = {
  /** The boxes the bench stocks, in shelf order, each with the number key that picks it. */
  "pack.boxes": { input: Schema.Struct({}), output: Schema.Array(BoxListing) },
  "scale.state": { input: Schema.Struct({}), output: Schema.Array(ScaleView) },
  /**
   * Takes the scale's current stable weight as the parcel's (source "scale", event time the reading's own). Refused
   * while the weight moves, when the scale is faulty or away: the packer can still type the weight.
   */
  "pack.weighOnScale": { input: Schema.Struct({}), output: PackView }
} as const
