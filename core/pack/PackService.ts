/** The pack bench: packing an order scan by scan into a labelled, recorded parcel. */
import { Context, Effect, Layer, Ref } from "effect"
import { identifyWithCatalog } from "../catalog/CatalogLookup.ts"
import { EventLog } from "../events/EventLog.ts"
import { makePackPhotographer } from "../evidence/PackPhotographer.ts"
import type { ScanResult } from "../scan/ScanResult.ts"
import { actorOf, type Operator } from "../session/Operator.ts"
import { Session } from "../session/Session.ts"
import type { SessionError } from "../session/SessionError.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { StationClock, type Timestamp } from "../time/Clock.ts"
import { makeOrderAddressCheck } from "./OrderAddressCheck.ts"
import { makePackBenchState } from "./PackBenchState.ts"
import type { PackConfig } from "./PackConfig.ts"
import { PackError, storeFailure } from "./PackError.ts"
import { PackItemVerified, PackQuantitySet, PackScanUndone } from "./PackEvents.ts"
import { makePackedParcels } from "./PackedParcels.ts"
import { makePackLookups } from "./PackLookups.ts"
import { makeRefusal } from "./PackRefusal.ts"
import {
  applyScan,
  chooseBox,
  enterWeight,
  idleSession,
  markLabelled,
  markPacked,
  type PackOutcome,
  type PackSession,
  readyToComplete,
  setQuantity,
  shortShip,
  undoLastScan
} from "./PackSession.ts"
import type { PackView, ParcelView, PrintJobRef } from "./PackView.ts"
import { makeParcelCompletion } from "./ParcelCompletion.ts"
import type { ParcelHold } from "./parcelHold.ts"
import { scanRecordOf } from "./ScanRecord.ts"

/** A scan longer than any code the bench takes is cut to this many characters in its event. */
const MAX_RECORDED_SCAN = 256

/**
 * The station's pack bench: one pack session at a time, held in memory, and every fact it produces written to the
 * database with its event. Refusals are answers, not errors: the view carries them and each one is recorded as a
 * `pack.exception`. Completing a parcel is one transaction: parcel row, tracking number, order status, both print
 * jobs and the `parcel.packed` event commit together, and the in-memory session moves on only after the commit.
 */
export class PackService extends Context.Service<
  PackService,
  {
    readonly state: Effect.Effect<PackView>
    /** How the bench reads a scan: against the station's catalog (SKUs and aliases). */
    readonly identify: (raw: string) => Effect.Effect<ScanResult, PackError>
    /** Applies a scan; one a caller already identified with `identify` (a device scan) is not identified again. */
    readonly scan: (input: {
      readonly raw: string
      readonly at?: Timestamp
      readonly identified?: ScanResult
      /** The scanner that read it; absent for a code typed on screen. */
      readonly deviceId?: string
    }) => Effect.Effect<PackView, PackError | SessionError>
    readonly quantity: (input: {
      readonly quantity: number
      readonly at?: Timestamp
    }) => Effect.Effect<PackView, PackError | SessionError>
    readonly undo: (input: { readonly at?: Timestamp }) => Effect.Effect<PackView, PackError | SessionError>
    readonly shortShip: (input: {
      readonly lineId: string
      readonly reason: string
      readonly at?: Timestamp
    }) => Effect.Effect<PackView, PackError | SessionError>
    readonly chooseBox: (input: {
      readonly boxId: string
      readonly at?: Timestamp
    }) => Effect.Effect<PackView, PackError | SessionError>
    readonly weight: (input: {
      readonly grams: number
      readonly source: "typed" | "scale"
      readonly at?: Timestamp
    }) => Effect.Effect<PackView, PackError | SessionError>
    readonly complete: (input: { readonly at?: Timestamp }) => Effect.Effect<PackView, PackError | SessionError>
    readonly abandon: Effect.Effect<PackView, PackError | SessionError>
    /**
     * Takes the order off the bench without an operator's say, because the shop changed it (cancelled it, or
     * corrected its address) while it was open. A labelled parcel stays: it must be voided by a person.
     */
    readonly release: (orderId: string) => Effect.Effect<boolean>
    readonly reprint: (input: {
      readonly parcelId: string
    }) => Effect.Effect<ReadonlyArray<PrintJobRef>, PackError | SessionError>
    readonly voidParcel: (input: {
      readonly parcelId: string
      readonly reason: string
      readonly at?: Timestamp
    }) => Effect.Effect<ParcelView, PackError | SessionError>
    readonly parcel: (parcelId: string) => Effect.Effect<ParcelView | undefined, PackError>
    /** Why a parcel must stay at the station now (its order changed after packing), or undefined when it may go. */
    readonly parcelHold: (parcelId: string) => Effect.Effect<ParcelHold | undefined, StoreError>
  }
>()("packbench/core/pack/PackService") {
  static readonly layer = (config: PackConfig) =>
    Layer.effect(
      PackService,
      Effect.gen(function* () {
        const sql = yield* Sql
        const clock = yield* StationClock
        const session = yield* Session
        const log = yield* EventLog
        const bench = yield* makePackBenchState
        const lookups = yield* makePackLookups
        const address = yield* makeOrderAddressCheck(config.originCountry)
        const completeParcel = yield* makeParcelCompletion(config, (order) => address.check(order).formatted)
        const parcels = yield* makePackedParcels(config, bench)
        const photographer = yield* makePackPhotographer
        const { current, addressCheck, lastParcel } = bench
        const packer = session.require(["packer", "manager"])

        const identify = (raw: string) =>
          identifyWithCatalog(raw).pipe(Effect.provideService(Sql, sql), Effect.mapError(storeFailure))

        /**
         * The event of a step that changed the verified units (a unit scanned, a count typed, a scan undone), to
         * commit with the session it made: every accepted scan is on record, not only the refused ones.
         */
        const scanEvent = (
          before: PackSession,
          outcome: PackOutcome,
          operator: Operator,
          at: Timestamp,
          deviceId?: string
        ): Effect.Effect<unknown, StoreError> | undefined => {
          const record = outcome.ok ? scanRecordOf(before, outcome.session) : undefined
          if (record === undefined) return undefined
          const { unit } = record
          const scanned = {
            orderId: record.orderId,
            lineId: unit.lineId,
            sku: unit.sku,
            gtin: record.gtin,
            ...(unit.serial === undefined ? {} : { serial: unit.serial }),
            ...(unit.lot === undefined ? {} : { lot: unit.lot })
          }
          const options = { eventTime: at, actor: actorOf(operator) }
          switch (record.kind) {
            case "verified":
              return log.append(
                PackItemVerified,
                {
                  ...scanned,
                  quantity: unit.quantity,
                  raw: unit.raw.slice(0, MAX_RECORDED_SCAN),
                  ...(deviceId === undefined ? {} : { deviceId })
                },
                options
              )
            case "counted":
              return log.append(
                PackQuantitySet,
                { ...scanned, quantity: unit.quantity, previous: record.previous },
                options
              )
            case "undone":
              return log.append(PackScanUndone, { ...scanned, quantity: unit.quantity }, options)
          }
        }

        const scan = Effect.fn("PackService.scan")(function* (input: {
          readonly raw: string
          readonly at?: Timestamp
          readonly identified?: ScanResult
          readonly deviceId?: string
        }) {
          const operator = yield* packer
          const at = input.at ?? (yield* clock.now)
          const identified = input.identified ?? (yield* identify(input.raw))
          const before = yield* Ref.get(current)
          const lookup = yield* lookups.lookupFor(identified).pipe(Effect.mapError(storeFailure))
          const outcome = applyScan(before, identified, lookup)
          const opened =
            outcome.ok && outcome.session.step !== before.step && before.step !== "order-open"
              ? outcome.session.order
              : undefined
          if (opened !== undefined && outcome.session.verifications.length === 0 && outcome.session.box === undefined) {
            const check = address.check(opened)
            yield* Ref.set(addressCheck, check)
            yield* Ref.set(lastParcel, null)
            if (!check.ok) {
              yield* address.hold(opened, check, operator, at).pipe(Effect.mapError(storeFailure))
              yield* Ref.set(current, idleSession)
              return yield* bench.view(
                makeRefusal("order-address-hold", "checked", {
                  orderId: opened.orderId,
                  problems: check.errors.map((e) => e.message).join("; ")
                })
              )
            }
          }
          return yield* bench
            .settle(outcome, operator, at, input.raw, scanEvent(before, outcome, operator, at, input.deviceId))
            .pipe(Effect.mapError(storeFailure))
        })

        const step =
          (name: string, apply: (session: PackSession, operator: Operator) => PackOutcome) =>
          (at: Timestamp | undefined) =>
            Effect.gen(function* () {
              const operator = yield* packer
              const before = yield* Ref.get(current)
              const outcome = apply(before, operator)
              const when = at ?? (yield* clock.now)
              return yield* bench
                .settle(outcome, operator, when, undefined, scanEvent(before, outcome, operator, when))
                .pipe(Effect.mapError(storeFailure))
            }).pipe(Effect.withSpan(`PackService.${name}`))

        const complete = Effect.fn("PackService.complete")(function* (input: { readonly at?: Timestamp }) {
          const operator = yield* packer
          const at = input.at ?? (yield* clock.now)
          const ready = readyToComplete(yield* Ref.get(current))
          if (!ready.ok)
            return yield* bench.recordRefusal(ready.refusal, operator, at).pipe(Effect.mapError(storeFailure))
          // The box is still open and the label not yet printed: the still shows what goes out.
          const shot = yield* photographer.take
          // An interruption or a crash before `settle` leaves the still staged: the retention pass settles it.
          const result = yield* Effect.result(completeParcel(ready.session, operator, at, shot))
          yield* photographer.settle(shot, result._tag === "Success" ? result.success.parcel.parcelId : undefined)
          if (result._tag === "Failure") {
            const error = result.failure
            if (error._tag === "StoreError") return yield* storeFailure(error)
            return yield* bench.recordRefusal(error.refusal, operator, at).pipe(Effect.mapError(storeFailure))
          }
          const { parcel, jobs } = result.success
          yield* Ref.set(
            current,
            markPacked(
              markLabelled(ready.session, { parcelId: parcel.parcelId, trackingNumber: parcel.trackingNumber ?? "" })
            )
          )
          yield* Ref.set(lastParcel, { parcel, jobs })
          return yield* bench.view(null)
        })

        const abandon = Effect.gen(function* () {
          yield* packer
          const before = yield* Ref.get(current)
          if (before.step === "labelled") {
            return yield* new PackError({ reason: "parcel-closed", message: "The parcel is labelled: void it instead" })
          }
          yield* Ref.set(addressCheck, null)
          yield* bench.setSession(idleSession).pipe(Effect.mapError(storeFailure))
          return yield* bench.view(null)
        })

        const release = (orderId: string) =>
          Effect.gen(function* () {
            const before = yield* Ref.get(current)
            if (before.step === "idle" || before.step === "labelled" || before.order?.orderId !== orderId) return false
            yield* Ref.set(addressCheck, null)
            yield* bench.setSession(idleSession).pipe(
              // The stored session stays behind; a restart finds its order changed and refuses to continue it.
              Effect.catchTag("StoreError", (error) =>
                Effect.andThen(
                  Effect.logWarning(`stored pack session of ${orderId} not cleared`, error),
                  Ref.set(current, idleSession)
                )
              )
            )
            return true
          })

        return PackService.of({
          state: Effect.flatMap(Ref.get(bench.notice), bench.view),
          release,
          identify,
          scan,
          quantity: (input) => step("quantity", (s) => setQuantity(s, input.quantity))(input.at),
          undo: (input) => step("undo", (s) => undoLastScan(s))(input.at),
          shortShip: (input) =>
            step("shortShip", (s, operator) => shortShip(s, { lineId: input.lineId, reason: input.reason, operator }))(
              input.at
            ),
          chooseBox: (input) =>
            Effect.flatMap(Effect.mapError(lookups.currentBoxes, storeFailure), (boxes) =>
              step("chooseBox", (s) => chooseBox(s, input.boxId, boxes))(input.at)
            ),
          weight: (input) => step("weight", (s) => enterWeight(s, input.grams, input.source))(input.at),
          complete,
          abandon,
          reprint: parcels.reprint,
          voidParcel: parcels.voidParcel,
          parcel: parcels.parcel,
          parcelHold: parcels.hold
        })
      })
    )
}
