/** Completing a packed parcel: parcel row, tracking number, order status and print jobs, committed together. */
import { Effect, Schema } from "effect"
import type { CarrierAdapter, LabelOutcome, LabelRequest } from "../carrier/CarrierAdapter.ts"
import { Carriers } from "../carrier/Carriers.ts"
import { EventLog } from "../events/EventLog.ts"
import { makePackPhotographer, type PackShot } from "../evidence/PackPhotographer.ts"
import { brandFor, discountCodeFor } from "../insert/BrandFile.ts"
import { buildInsert } from "../insert/BrandTemplate.ts"
import { needsCustoms } from "../label/CustomsDeclaration.ts"
import { encodeZpl } from "../label/encodeZpl.ts"
import { planRange, soleSlot, takeNumber } from "../numbering/NumberRanges.ts"
import { NumberReservations } from "../numbering/NumberReservations.ts"
import { InsertEncoder } from "../print/InsertEncoder.ts"
import { PrintQueue } from "../print/PrintQueue.ts"
import { gs1CheckDigit } from "../scan/gs1CheckDigit.ts"
import { actorOf, type Operator } from "../session/Operator.ts"
import { nextCounter } from "../station/Counters.ts"
import { StationIdentity } from "../station/StationIdentity.ts"
import { Sql } from "../store/Sql.ts"
import { StationClock, type Timestamp } from "../time/Clock.ts"
import { customsFor } from "./customsFor.ts"
import { labelRequestOf, makeLabelReservations, type ParcelIds, type Shipment } from "./LabelReservations.ts"
import { type PackConfig, SSCC_RANGE } from "./PackConfig.ts"
import { ParcelPacked } from "./PackEvents.ts"
import { makeRefusal, type Refusal, Refusal as RefusalSchema } from "./PackRefusal.ts"
import { expectedWeightGrams, type PackSession, packedLines } from "./PackSession.ts"
import type { AddressCheckView } from "./PackView.ts"
import { type ParcelData, type ParcelRow, parcelViewOf } from "./ParcelRow.ts"
import { type LabelDraft, labelFrom, type PackedWithoutLabel, pendingLabelRecorder } from "./PendingLabels.ts"

/** A refusal raised inside the completing transaction, so everything it did rolls back before it is recorded. */
export class PackRefused extends Schema.TaggedError<PackRefused>()("PackRefused", { refusal: RefusalSchema }) {}

const refused = (refusal: Refusal) => new PackRefused({ refusal })

/**
 * Completes the parcel of a session that is ready: one transaction writes the parcel row and its items, takes the
 * tracking number (or records the label as pending when the carrier's service is out of reach), sets the order
 * packed, queues the label and the insert, and appends `parcel.packed`. A refusal inside it rolls all of it back.
 * A carrier whose web service makes the label is asked between two commits: the first reserves the parcel id the
 * request goes under (`LabelReservations`), the second writes the parcel with the carrier's answer.
 */
export const makeParcelCompletion = (
  config: PackConfig,
  formattedAddress: (order: NonNullable<PackSession["order"]>) => AddressCheckView["formatted"]
) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const log = yield* EventLog
    const clock = yield* StationClock
    const printQueue = yield* PrintQueue
    const insertEncoder = yield* InsertEncoder
    const identity = yield* StationIdentity
    const carriers = yield* Carriers
    const recordPendingLabel = yield* pendingLabelRecorder
    const labelReservations = yield* makeLabelReservations
    const photographer = yield* makePackPhotographer
    const dpi = config.labelDpi ?? 203
    const counter = (name: string) => nextCounter(name).pipe(Effect.provideService(Sql, sql))
    const reservations = yield* NumberReservations
    if (config.sscc !== undefined) {
      // Before number ranges, the SSCC counter counted from 1 in pack_counters: a block continues past it.
      const legacy = yield* sql.query<{ next: number }>("SELECT next FROM pack_counters WHERE name = 'sscc'")
      const floor = legacy[0] === undefined ? undefined : Number(legacy[0].next)
      yield* planRange(
        SSCC_RANGE,
        { start: 1, end: 10 ** (16 - config.sscc.companyPrefix.length) },
        config.numbering ?? soleSlot,
        floor
      ).pipe(Effect.orDie)
    }
    const takeSscc = takeNumber(SSCC_RANGE, "SSCC").pipe(
      Effect.provideService(Sql, sql),
      Effect.provideService(NumberReservations, reservations),
      Effect.mapError((error) =>
        error.reason === "store"
          ? refused(makeRefusal("label-pending", "carrier", { message: error.message }))
          : refused(makeRefusal("tracking-range-exhausted", "reason", { message: error.message }))
      )
    )

    const ssccFor = (serial: number) => {
      if (config.sscc === undefined) return undefined
      const { companyPrefix, extensionDigit } = config.sscc
      const reference = String(serial).padStart(16 - companyPrefix.length, "0")
      const body = `${extensionDigit}${companyPrefix}${reference}`
      return {
        sscc: `${body}${gs1CheckDigit(body)}`,
        urn: `urn:epc:id:sscc:${companyPrefix}.${extensionDigit}${reference}`
      }
    }

    /** The order is still open: it may have changed (cancelled, packed on another bench) since the session began. */
    const requireOpen = (orderId: string) =>
      Effect.gen(function* () {
        const rows = yield* sql.query<{ status: string }>("SELECT status FROM orders WHERE order_id = ?", [orderId])
        if (rows[0]?.status !== "open") {
          const status = rows[0]?.status
          return yield* refused(
            status === undefined
              ? makeRefusal("order-already-packed", "gone", { orderId })
              : makeRefusal("order-already-packed", "changed", { orderId, orderStatus: status })
          )
        }
      })

    /** A new parcel id and SSCC, taken in the caller's transaction. */
    const newIds = Effect.gen(function* () {
      const parcelId = `${identity.stationId}-${String(yield* counter("parcel")).padStart(6, "0")}`
      const sscc = config.sscc === undefined ? undefined : ssccFor(yield* takeSscc)
      return { parcelId, ...(sscc === undefined ? {} : { sscc }) } satisfies ParcelIds
    })

    /**
     * What the parcel needs besides its label, and the refusals it can meet without one: the customs declaration and
     * the insert. Made before the carrier is asked, so such a refusal leaves no shipment behind.
     */
    const prepare = (ready: PackSession, parcelId: string) =>
      Effect.gen(function* () {
        const order = ready.order!
        const lines = packedLines(ready)
        const customs = needsCustoms(config.originCountry, order.shipTo.country)
          ? customsFor(
              order,
              ready.lines.map((line) => ({
                lineId: line.lineId,
                item: line.item,
                quantity: lines.find((entry) => entry.lineId === line.lineId)?.quantity ?? 0
              })),
              config.shipFrom[0] ?? ""
            )
          : undefined
        if (typeof customs === "string") {
          return yield* refused(makeRefusal("label-content", "customs", { skus: customs }))
        }
        const brand = brandFor(config.brands ?? [], config.brand, order.brand)
        const insert = yield* buildInsert(brand, {
          orderId: order.orderId,
          locale: order.customer.locale,
          customerFirstName: order.customer.firstName,
          items: ready.lines.flatMap((line) => {
            const quantity = lines.find((packed) => packed.lineId === line.lineId)?.quantity ?? 0
            const careHint = line.item.careHint?.[order.customer.locale]
            return quantity === 0
              ? []
              : [
                  {
                    sku: line.item.sku,
                    name: line.item.name[order.customer.locale],
                    quantity,
                    ...(careHint === undefined ? {} : { careHint })
                  }
                ]
          }),
          rmaToken: parcelId,
          discountCode: discountCodeFor(brand, order.orderId, config.discountCode)
        }).pipe(Effect.mapError((error) => refused(makeRefusal("label-content", "insert", { message: error.message }))))
        const insertBytes = yield* insertEncoder
          .encode(insert)
          .pipe(Effect.mapError((error) => refused(makeRefusal("label-content", "insert", { message: error.message }))))
        return { customs, insertBytes }
      })

    const askCarrier = (adapter: CarrierAdapter, request: LabelRequest) =>
      adapter
        .createLabel(request)
        .pipe(
          Effect.mapError((error) =>
            refused(
              error.reason === "range-exhausted" || error.reason === "no-range"
                ? makeRefusal("tracking-range-exhausted", "reason", { message: error.message })
                : makeRefusal("label-pending", "carrier", { message: error.message })
            )
          )
        )

    type Prepared = Effect.Success<ReturnType<typeof prepare>>

    /** Writes the parcel with what the carrier answered, in the caller's transaction, and what it prints. */
    const commitParcel = (
      ready: PackSession,
      operator: Operator,
      at: Timestamp,
      shot: PackShot | undefined,
      ids: ParcelIds,
      prepared: Prepared,
      request: LabelRequest,
      label: LabelOutcome,
      labelFromCarrierApi: boolean
    ) =>
      Effect.gen(function* () {
        const order = ready.order!
        const { parcelId, sscc } = ids
        const weightGrams = request.weightGrams
        const draft: LabelDraft = {
          shipFrom: config.shipFrom,
          shipTo: formattedAddress(order),
          orderId: order.orderId,
          parcelId,
          weightGrams,
          ...(sscc === undefined ? {} : { sscc: sscc.sscc }),
          ...(prepared.customs === undefined ? {} : { customs: prepared.customs })
        }
        const shippingLabel = label.status === "created" ? labelFrom(draft, label) : undefined
        const labelBytes =
          shippingLabel === undefined
            ? undefined
            : yield* encodeZpl(shippingLabel, { dpi }).pipe(
                Effect.mapError((error) => refused(makeRefusal("label-content", "label", { message: error.message })))
              )
        const lines = packedLines(ready)
        const photo = photographer.photoOf(shot)
        const data: ParcelData = {
          ...(shippingLabel === undefined ? {} : { label: shippingLabel }),
          shipTo: order.shipTo,
          lines: order.lines,
          ...(sscc === undefined ? {} : { ssccUrn: sscc.urn }),
          labelFromCarrierApi,
          ...(photo === undefined ? {} : { photo })
        }
        yield* sql.execute(
          `INSERT INTO parcels (parcel_id, order_id, status, carrier, tracking_number, sscc, box_id, weight_grams,
             data, packed_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            parcelId,
            order.orderId,
            label.status === "created" ? "packed" : "label-pending",
            order.carrier,
            label.status === "created" ? label.trackingNumber : null,
            sscc?.sscc ?? null,
            ready.box!.boxId,
            weightGrams,
            JSON.stringify(data),
            at.wallMs
          ]
        )
        for (const verification of ready.verifications) {
          yield* sql.execute(
            "INSERT INTO parcel_items (parcel_id, line_id, sku, quantity, serial, lot) VALUES (?, ?, ?, ?, ?, ?)",
            [
              parcelId,
              verification.lineId,
              verification.sku,
              verification.quantity,
              verification.serial ?? null,
              verification.lot ?? null
            ]
          )
        }
        const now = yield* clock.now
        yield* sql.execute(
          "UPDATE orders SET status = 'packed', data = json_set(data, '$.status', 'packed'), updated_at_ms = ? WHERE order_id = ?",
          [now.wallMs, order.orderId]
        )
        const jobs = [
          ...(labelBytes === undefined
            ? []
            : [yield* printQueue.enqueue({ printer: "label", purpose: `label ${parcelId}`, bytes: labelBytes })]),
          yield* printQueue.enqueue({
            printer: "receipt",
            purpose: `insert ${order.orderId}`,
            bytes: prepared.insertBytes
          })
        ]
        const packed: PackedWithoutLabel = {
          orderId: order.orderId,
          parcelId,
          ...(sscc === undefined ? {} : { sscc: sscc.sscc, ssccUrn: sscc.urn }),
          items: lines.filter((line) => line.quantity > 0),
          shortShips: ready.shortShips.map(({ lineId, quantity, reason }) => ({ lineId, quantity, reason })),
          weightGrams,
          weightSource: ready.weight!.source,
          expectedWeightGrams: expectedWeightGrams(ready),
          boxId: ready.box!.boxId,
          carrier: order.carrier,
          packer: { badgeId: operator.badgeId, name: operator.name },
          stationId: identity.stationId,
          ...(photo === undefined ? {} : { photo })
        }
        if (label.status === "created") {
          yield* log.append(
            ParcelPacked,
            { ...packed, trackingNumber: label.trackingNumber },
            { eventTime: at, actor: actorOf(operator) }
          )
        } else {
          yield* recordPendingLabel({
            request,
            draft,
            packed,
            reason: label.reason,
            mayHaveReachedCarrier: label.mayHaveReachedCarrier,
            eventTime: at,
            actor: actorOf(operator)
          })
        }
        yield* sql.execute("DELETE FROM pack_session")
        const parcel = yield* sql.query<ParcelRow>("SELECT * FROM parcels WHERE parcel_id = ?", [parcelId])
        return { parcel: parcelViewOf(parcel[0]!), jobs }
      })

    return (ready: PackSession, operator: Operator, at: Timestamp, shot?: PackShot) =>
      Effect.gen(function* () {
        const order = ready.order!
        const adapter = carriers.adapter(order.carrier)
        const shipment: Shipment = {
          orderId: order.orderId,
          carrier: order.carrier,
          serviceLevel: order.serviceLevel,
          shipTo: order.shipTo,
          weightGrams: ready.weight!.grams
        }
        if (adapter === undefined || !adapter.online) {
          // Nothing leaves the station before the commit: a parcel that does not commit gives its numbers back.
          return yield* sql.transaction(
            Effect.gen(function* () {
              yield* requireOpen(order.orderId)
              if (adapter === undefined) {
                return yield* refused(makeRefusal("label-pending", "noCarrier", { carrier: order.carrier }))
              }
              const ids = yield* newIds
              const prepared = yield* prepare(ready, ids.parcelId)
              const request = labelRequestOf(shipment, ids)
              const label = yield* askCarrier(adapter, request)
              return yield* commitParcel(ready, operator, at, shot, ids, prepared, request, label, false)
            })
          )
        }
        // The request leaves under the parcel id, which the carrier takes as its idempotency key: the id is reserved
        // in a commit of its own first, so a parcel that does not commit never gives it to another parcel, whose label
        // the carrier would answer with this one's.
        const { ids, prepared } = yield* sql.transaction(
          Effect.gen(function* () {
            yield* requireOpen(order.orderId)
            const ids = yield* labelReservations.reserve(shipment, newIds)
            return { ids, prepared: yield* prepare(ready, ids.parcelId) }
          })
        )
        const request = labelRequestOf(shipment, ids)
        const label = yield* askCarrier(adapter, request)
        return yield* sql.transaction(
          Effect.gen(function* () {
            yield* requireOpen(order.orderId)
            if (!(yield* labelReservations.claim(ids.parcelId))) {
              return yield* refused(makeRefusal("label-pending", "withdrawn", { parcelId: ids.parcelId }))
            }
            return yield* commitParcel(ready, operator, at, shot, ids, prepared, request, label, true)
          })
        )
      })
  })
