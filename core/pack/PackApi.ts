/** The pack bench's and handover's API slice: commands, queries and their schemas. */
import { Schema } from "effect"
import { ApiTimestamp, GramsInput, IdInput, NonEmptyScanText, NonEmptyTextInput } from "../api/ApiInputs.ts"
import { HandoverView } from "./HandoverView.ts"
import { PackView, ParcelView, PrintJobRef } from "./PackView.ts"

const At = { at: Schema.optionalKey(ApiTimestamp) }

/**
 * The pack bench's and the handover's calls, merged into the station's one API. Every call answers with the whole
 * view, refusals included, so the screen never has to derive state; `at` is the driver's timestamp of the scan or
 * scale reading that caused the call, and becomes the event time.
 */
export const PackApi = {
  "pack.state": { input: Schema.Struct({}), output: PackView },
  "pack.scan": { input: Schema.Struct({ raw: NonEmptyScanText, ...At }), output: PackView },
  "pack.quantity": {
    input: Schema.Struct({ quantity: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 9999 })), ...At }),
    output: PackView
  },
  "pack.undo": { input: Schema.Struct({ ...At }), output: PackView },
  "pack.shortShip": { input: Schema.Struct({ lineId: IdInput, reason: NonEmptyTextInput, ...At }), output: PackView },
  "pack.chooseBox": { input: Schema.Struct({ boxId: IdInput, ...At }), output: PackView },
  "pack.weight": {
    input: Schema.Struct({
      grams: GramsInput,
      source: Schema.Literals(["typed", "scale"]),
      ...At
    }),
    output: PackView
  },
  "pack.complete": { input: Schema.Struct({ ...At }), output: PackView },
  "pack.abandon": { input: Schema.Struct({}), output: PackView },
  "pack.reprint": { input: Schema.Struct({ parcelId: IdInput }), output: Schema.Array(PrintJobRef) },
  /** A manager's: audited (`privileged`). */
  "pack.void": {
    input: Schema.Struct({ parcelId: IdInput, reason: NonEmptyTextInput, ...At }),
    output: ParcelView,
    privileged: true
  },
  "handover.state": { input: Schema.Struct({}), output: HandoverView },
  "handover.open": { input: Schema.Struct({ carrier: IdInput }), output: HandoverView },
  "handover.scan": { input: Schema.Struct({ raw: NonEmptyScanText, ...At }), output: HandoverView },
  "handover.close": { input: Schema.Struct({ ...At }), output: HandoverView }
} as const
