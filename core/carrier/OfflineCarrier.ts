/** A carrier whose tracking numbers the station issues itself from the ranges the carrier allocated. */
import { Effect } from "effect"
import { Sql, type StoreError } from "../store/Sql.ts"
import { type CarrierAdapter, CarrierError, type LabelRequest } from "./CarrierAdapter.ts"
import { type CarrierProfile, maxSerial, routingCodeFor, trackingNumberFor } from "./CarrierProfile.ts"

const storeFailure = (carrier: string) => (error: StoreError) =>
  new CarrierError({ carrier, reason: "store", message: `${error.reason}: ${error.message}` })

/**
 * Gives the station the numbers [start, end) of a carrier. A new range may only start at or after the next unused
 * number of the old one: a number once issued, even for a voided label, is never issued again.
 */
export const assignTrackingRange = Effect.fn("OfflineCarrier.assignRange")(function* (
  profile: CarrierProfile,
  range: { readonly start: number; readonly end: number }
) {
  const sql = yield* Sql
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
  return yield* sql
    .transaction(
      Effect.gen(function* () {
        const rows = yield* sql.query<{ next: number }>("SELECT next FROM tracking_ranges WHERE carrier = ?", [
          profile.id
        ])
        const current = rows[0]
        if (current !== undefined && range.start < Number(current.next)) {
          return yield* new CarrierError({
            carrier: profile.id,
            reason: "range-overlaps",
            message: `${profile.name} numbers below ${current.next} were already issued by this station`
          })
        }
        yield* sql.execute(
          "INSERT INTO tracking_ranges (carrier, next, end_exclusive) VALUES (?, ?, ?) ON CONFLICT (carrier) DO UPDATE SET next = excluded.next, end_exclusive = excluded.end_exclusive",
          [profile.id, range.start, range.end]
        )
      })
    )
    .pipe(Effect.catchTag("StoreError", (error) => Effect.fail(storeFailure(profile.id)(error))))
})

/**
 * A carrier whose numbers the station issues itself from a range the carrier allocated to it, so labels print
 * with no network. The number is taken in the caller's transaction: a parcel that does not commit gives it back.
 */
export const makeOfflineCarrier = (profile: CarrierProfile, originCountry: string) =>
  Effect.map(Effect.service(Sql), (sql): CarrierAdapter => {
    const createLabel = Effect.fn("OfflineCarrier.createLabel")(function* (request: LabelRequest) {
      const serial = yield* sql
        .transaction(
          Effect.gen(function* () {
            const rows = yield* sql.query<{ next: number; end_exclusive: number }>(
              "SELECT next, end_exclusive FROM tracking_ranges WHERE carrier = ?",
              [profile.id]
            )
            const range = rows[0]
            if (range === undefined) {
              return yield* new CarrierError({
                carrier: profile.id,
                reason: "no-range",
                message: `This station has no ${profile.name} tracking numbers: ask the office to assign a range`
              })
            }
            if (Number(range.next) >= Number(range.end_exclusive)) {
              return yield* new CarrierError({
                carrier: profile.id,
                reason: "range-exhausted",
                message: `This station used up its ${profile.name} tracking numbers: ask the office for a new range`
              })
            }
            yield* sql.execute("UPDATE tracking_ranges SET next = next + 1 WHERE carrier = ?", [profile.id])
            return Number(range.next)
          })
        )
        .pipe(Effect.catchTag("StoreError", (error) => Effect.fail(storeFailure(profile.id)(error))))
      return {
        status: "created" as const,
        trackingNumber: trackingNumberFor(profile, serial, originCountry),
        routingCode: routingCodeFor(request.shipTo.country, request.shipTo.postalCode),
        carrierName: profile.name,
        serviceName: profile.services[request.serviceLevel]
      }
    })
    return { carrier: profile.id, createLabel, voidLabel: () => Effect.void }
  })
