/** A carrier whose tracking numbers the station issues itself from the ranges the carrier allocated. */
import { Effect } from "effect"
import { type NumberRangeError, type NumberSlot, planRange, soleSlot, takeNumber } from "../numbering/NumberRanges.ts"
import type { NumberReservations } from "../numbering/NumberReservations.ts"
import type { Sql } from "../store/Sql.ts"
import { type CarrierAdapter, CarrierError, type LabelRequest } from "./CarrierAdapter.ts"
import { type CarrierProfile, maxSerial, routingCodeFor, trackingNumberFor } from "./CarrierProfile.ts"
import { identcodeFor, leitcodeFor } from "./DhlCodes.ts"

/** The number range of a carrier's tracking numbers, as `number_ranges` names it. */
export const trackingRangeName = (carrier: string) => `tracking:${carrier}`

const carrierFailure = (carrier: string) => (error: NumberRangeError) =>
  new CarrierError({
    carrier,
    reason:
      error.reason === "no-range"
        ? "no-range"
        : error.reason === "exhausted"
          ? "range-exhausted"
          : error.reason === "bad-plan"
            ? "range-overlaps"
            : "store",
    message: error.message
  })

/**
 * Gives the station its block of the carrier's numbers [start, end) that the carrier allocated to the shipper: block
 * `slot.index` of `slot.of` (the whole range for a station on its own). A number once issued, even for a voided label,
 * is never issued again: a new range may not go back below what the station already used.
 */
export const assignTrackingRange = Effect.fn("OfflineCarrier.assignRange")(function* (
  profile: CarrierProfile,
  range: { readonly start: number; readonly end: number },
  slot: NumberSlot = soleSlot
) {
  if (
    !Number.isInteger(range.start) ||
    range.start < 0 ||
    range.end <= range.start ||
    range.end - 1 > maxSerial[profile.format]
  ) {
    return yield* new CarrierError({
      carrier: profile.id,
      reason: "range-overlaps",
      message: `${range.start}-${range.end} is not a range of ${profile.name} numbers (0 to ${maxSerial[profile.format]})`
    })
  }
  return yield* planRange(trackingRangeName(profile.id), range, slot).pipe(Effect.mapError(carrierFailure(profile.id)))
})

/**
 * A carrier whose numbers the station issues itself from its block of the range the carrier allocated, so labels
 * print with no network. The number is taken in the caller's transaction: a parcel that does not commit gives it back.
 */
export const makeOfflineCarrier = (profile: CarrierProfile, originCountry: string) =>
  Effect.map(Effect.context<Sql | NumberReservations>(), (services): CarrierAdapter => {
    const createLabel = Effect.fn("OfflineCarrier.createLabel")(function* (request: LabelRequest) {
      const serial = yield* takeNumber(trackingRangeName(profile.id), `${profile.name} tracking`).pipe(
        Effect.mapError(carrierFailure(profile.id)),
        Effect.provide(services)
      )
      // DHL Paket's national network sorts by Leitcode and Identcode; parcels abroad go by the NVE alone.
      const domestic = profile.identcode !== undefined && originCountry === "DE" && request.shipTo.country === "DE"
      const leitcode = domestic ? leitcodeFor(request.shipTo) : undefined
      return {
        status: "created" as const,
        trackingNumber: trackingNumberFor(profile, serial, originCountry),
        routingCode: domestic
          ? request.shipTo.postalCode.trim()
          : routingCodeFor(request.shipTo.country, request.shipTo.postalCode),
        carrierName: profile.name,
        serviceName: profile.services[request.serviceLevel],
        ...(leitcode === undefined ? {} : { leitcode }),
        ...(domestic && profile.identcode !== undefined ? { identcode: identcodeFor(profile.identcode, serial) } : {})
      }
    })
    // The carrier learns of a number only when it scans the parcel: a voided one has nothing to cancel there.
    return {
      carrier: profile.id,
      online: false,
      createLabel,
      voidLabel: () => Effect.succeed({ status: "gone" as const })
    }
  })
