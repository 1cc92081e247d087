/** Bounded input schemas the station API slices share: times, weights, money, scans and typed text. */
import { Schema } from "effect"
import { Bounds, Grams, MinorUnits, WallMs } from "../bounds/Bounds.ts"
import { maxScanLength } from "../scan/identify.ts"

/**
 * The shapes every API slice takes its inputs in, bounded where they enter (core/bounds has the ranges): a device
 * time that is a real date, a weight a parcel can have, money, scans as long as a scanner reads, and text a person
 * types. The dispatcher also refuses any number that is not finite and any `at` more than a day off the station's
 * clock, whatever the call.
 */

/** The driver's time of the scan or reading that caused a call (`at`): it becomes the event time. */
export const ApiTimestamp = Schema.Struct({
  wallMs: WallMs,
  monoNs: Schema.String.check(Schema.isPattern(/^\d{1,25}$/)),
  ntpOffsetMs: Schema.optional(
    Schema.Finite.check(Schema.isBetween({ minimum: -Bounds.clockSkewMs, maximum: Bounds.clockSkewMs }))
  )
})

/** What a scanner read, as long as the scan identifier takes (longer is refused before it is looked at). */
export const ScanText = Schema.String.check(Schema.isMaxLength(maxScanLength))
export const NonEmptyScanText = ScanText.check(Schema.isMinLength(1))

/** An id, a code, a key. */
export const IdInput = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(Bounds.maxIdChars))

/** A reason or a note a person types. */
export const TextInput = Schema.String.check(Schema.isMaxLength(Bounds.maxTextChars))
export const NonEmptyTextInput = TextInput.check(Schema.isMinLength(1))

/** A weight in grams as a scale or a person states it: more than nothing, no more than a parcel can weigh. */
export const GramsInput = Grams.check(Schema.isGreaterThan(0))

/** An amount in cents. */
export const CentsInput = MinorUnits
