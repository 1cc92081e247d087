import { Context, Effect, Layer, Ref, Schema } from "effect"
import { findCarrier } from "../address/AddressCarrier.ts"
import { checkAddress } from "../address/checkAddress.ts"
import { ApiError } from "../api/ApiError.ts"
import type { LabelRequest } from "../carrier/CarrierAdapter.ts"
import { Carriers } from "../carrier/Carriers.ts"
import { CatalogItem } from "../catalog/CatalogItem.ts"
import type { Actor } from "../events/Event.ts"
import { EventLog } from "../events/EventLog.ts"
import { brandFor, discountCodeFor } from "../insert/BrandFile.ts"
import type { BrandTemplate } from "../insert/BrandTemplate.ts"
import { buildInsert } from "../insert/BrandTemplate.ts"
import { encodeZpl, type LabelDpi } from "../label/encodeZpl.ts"
import type { ShippingLabel } from "../label/ShippingLabel.ts"
import { Order } from "../orders/Order.ts"
import { InsertEncoder } from "../print/InsertEncoder.ts"
import { PrintQueue } from "../print/PrintQueue.ts"
import { gs1CheckDigit } from "../scan/gs1CheckDigit.ts"
import { identifyScan } from "../scan/identify.ts"
import { encodePackbenchCode } from "../scan/PackbenchCode.ts"
import type { ScanResult } from "../scan/ScanResult.ts"
import type { Operator } from "../session/Operator.ts"
import { Session } from "../session/Session.ts"
import { StationIdentity } from "../station/StationIdentity.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { StationClock, type Timestamp } from "../time/Clock.ts"
import { loadBoxes } from "./BoxStore.ts"
import { OrderAddressHold, PackException, ParcelPacked, ParcelVoided } from "./PackEvents.ts"
import { makeRefusal, type Refusal, Refusal as RefusalSchema } from "./PackRefusal.ts"
import {
  applyScan,
  chooseBox,
  enterWeight,
  expectedWeightGrams,
  idleSession,
  markLabelled,
  markPacked,
  type PackLookup,
  type PackOutcome,
  type PackSession,
  packedLines,
  readyToComplete,
  setQuantity,
  shortShip,
  undoLastScan
} from "./PackSession.ts"
import { type AddressCheckView, type PackView, type ParcelView, type PrintJobRef, viewOf } from "./PackView.ts"
import { type LabelDraft, labelFrom, type PackedWithoutLabel, pendingLabelRecorder } from "./PendingLabels.ts"

export interface PackConfig {
  /** Sender lines for the label, already formatted. */
  readonly shipFrom: ReadonlyArray<string>
  readonly originCountry: string
  /** The default brand, for orders whose brand is not among `brands`. */
  readonly brand: BrandTemplate
  /** Brand templates by their id, which orders name in their `brand` field. */
  readonly brands?: ReadonlyArray<BrandTemplate>
  /** The next-order code for a brand without a discount rule of its own. */
  readonly discountCode: string
  readonly labelDpi?: LabelDpi
  /** With a GS1 company prefix, every parcel gets an SSCC (extension digit + prefix + serial reference). */
  readonly sscc?: { readonly companyPrefix: string; readonly extensionDigit: number }
}

/** The pack session in progress as `pack_session` keeps it. */
interface StoredSession {
  readonly session: PackSession
  readonly addressCheck: AddressCheckView | null
}

/**
 * The session the station had when it stopped, if its order may still be packed: an order the shop cancelled,
 * changed or put on hold meanwhile is not continued, and the refusal says why.
 */
const restoreSession = (sql: Sql["Service"]) =>
  Effect.gen(function* () {
    const idle = { session: idleSession, addressCheck: null, interrupted: null as Refusal | null }
    const rows = yield* sql.query<{ order_id: string; data: string }>("SELECT order_id, data FROM pack_session")
    const row = rows[0]
    if (row === undefined) return idle
    const stored = JSON.parse(row.data) as StoredSession
    const orders = yield* sql.query<{ status: string; version: number }>(
      "SELECT status, version FROM orders WHERE order_id = ?",
      [row.order_id]
    )
    const order = orders[0]
    const interrupted: Refusal | null =
      order === undefined
        ? makeRefusal("order-unknown", "gone", { orderId: row.order_id })
        : order.status === "cancelled"
          ? makeRefusal("order-cancelled", "whileOff", { orderId: row.order_id })
          : order.status !== "open"
            ? makeRefusal("order-changed", "status", { orderId: row.order_id, orderStatus: order.status })
            : Number(order.version) !== stored.session.order?.version
              ? makeRefusal("order-changed", "edited", { orderId: row.order_id })
              : null
    if (interrupted === null) return { session: stored.session, addressCheck: stored.addressCheck, interrupted }
    yield* sql.execute("DELETE FROM pack_session")
    return { ...idle, interrupted }
  })

/** A refusal raised inside the completing transaction, so everything it did rolls back before it is recorded. */
class PackRefused extends Schema.TaggedError<PackRefused>()("PackRefused", { refusal: RefusalSchema }) {}

export interface ParcelRow {
  readonly parcel_id: string
  readonly order_id: string
  readonly status: ParcelView["status"]
  readonly carrier: string
  readonly tracking_number: string | null
  readonly sscc: string | null
  readonly box_id: string
  readonly weight_grams: number
  readonly data: string
  readonly packed_at_ms: number
}

/** `label` is absent while the parcel waits for its carrier's label service (status `label-pending`). */
export interface ParcelData {
  readonly label?: ShippingLabel
  readonly ssccUrn?: string
}

const storeFailure = (error: StoreError) =>
  new ApiError({
    code: error.reason === "DiskFull" || error.reason === "ReadOnly" ? "store-refused" : "store-unavailable",
    message: `The station database refused the operation (${error.reason}): ${error.message}`
  })

export const parcelCode = (parcelId: string): string => {
  const encoded = encodePackbenchCode("parcel", parcelId)
  return encoded.ok ? encoded.code : parcelId
}

export const parcelViewOf = (row: ParcelRow): ParcelView => {
  const data = JSON.parse(row.data) as ParcelData
  return {
    parcelId: row.parcel_id,
    parcelCode: parcelCode(row.parcel_id),
    orderId: row.order_id,
    status: row.status,
    carrier: row.carrier,
    trackingNumber: row.tracking_number,
    routingCode: data.label?.routingCode ?? null,
    ...(row.sscc === null ? {} : { sscc: row.sscc }),
    boxId: row.box_id,
    weightGrams: Number(row.weight_grams),
    packedAtMs: Number(row.packed_at_ms)
  }
}

const jobRef = (job: PrintJobRef): PrintJobRef => ({ id: job.id, printer: job.printer, purpose: job.purpose })

const actorOf = (operator: Operator): Actor => ({ role: operator.role, badgeId: operator.badgeId, name: operator.name })

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
    readonly scan: (input: { readonly raw: string; readonly at?: Timestamp }) => Effect.Effect<PackView, ApiError>
    readonly quantity: (input: {
      readonly quantity: number
      readonly at?: Timestamp
    }) => Effect.Effect<PackView, ApiError>
    readonly undo: (input: { readonly at?: Timestamp }) => Effect.Effect<PackView, ApiError>
    readonly shortShip: (input: {
      readonly lineId: string
      readonly reason: string
      readonly at?: Timestamp
    }) => Effect.Effect<PackView, ApiError>
    readonly chooseBox: (input: {
      readonly boxId: string
      readonly at?: Timestamp
    }) => Effect.Effect<PackView, ApiError>
    readonly weight: (input: {
      readonly grams: number
      readonly source: "typed" | "scale"
      readonly at?: Timestamp
    }) => Effect.Effect<PackView, ApiError>
    readonly complete: (input: { readonly at?: Timestamp }) => Effect.Effect<PackView, ApiError>
    readonly abandon: Effect.Effect<PackView, ApiError>
    /**
     * Takes the order off the bench without an operator's say, because the shop changed it (cancelled it, or
     * corrected its address) while it was open. A labelled parcel stays: it must be voided by a person.
     */
    readonly release: (orderId: string) => Effect.Effect<boolean>
    readonly reprint: (input: { readonly parcelId: string }) => Effect.Effect<ReadonlyArray<PrintJobRef>, ApiError>
    readonly voidParcel: (input: {
      readonly parcelId: string
      readonly reason: string
      readonly at?: Timestamp
    }) => Effect.Effect<ParcelView, ApiError>
    readonly parcel: (parcelId: string) => Effect.Effect<ParcelView | undefined, ApiError>
  }
>()("packbench/core/pack/PackService") {
  static readonly layer = (config: PackConfig) =>
    Layer.effect(
      PackService,
      Effect.gen(function* () {
        const sql = yield* Sql
        const log = yield* EventLog
        const clock = yield* StationClock
        const session = yield* Session
        const printQueue = yield* PrintQueue
        const insertEncoder = yield* InsertEncoder
        const identity = yield* StationIdentity
        const carriers = yield* Carriers
        const recordPendingLabel = yield* pendingLabelRecorder
        const dpi = config.labelDpi ?? 203

        const restored = yield* restoreSession(sql)
        const current = yield* Ref.make<PackSession>(restored.session)
        const addressCheck = yield* Ref.make<AddressCheckView | null>(restored.addressCheck)
        // Why a session the station had before a restart could not continue; shown until the next bench input.
        const notice = yield* Ref.make<Refusal | null>(restored.interrupted)
        const lastParcel = yield* Ref.make<{ parcel: ParcelView; jobs: ReadonlyArray<PrintJobRef> } | null>(null)

        /** A parcel waiting for its label changes without a bench input: the label worker commits it. */
        const freshParcel = (parcel: ParcelView) =>
          parcel.status !== "label-pending"
            ? Effect.succeed(parcel)
            : sql.query<ParcelRow>("SELECT * FROM parcels WHERE parcel_id = ?", [parcel.parcelId]).pipe(
                Effect.map((rows) => (rows[0] === undefined ? parcel : parcelViewOf(rows[0]))),
                Effect.tapError((error) => Effect.logWarning("pack view shows the parcel as last read", error)),
                Effect.orElseSucceed(() => parcel)
              )

        /**
         * Writes the session in progress to the database before the bench moves on, so a restart continues it; a
         * session with nothing open leaves no row. Item scans are no events, so this row is their only record.
         */
        const setSession = (session: PackSession) =>
          Effect.gen(function* () {
            if (session.step === "idle" || session.step === "packed" || session.step === "labelled") {
              yield* sql.execute("DELETE FROM pack_session")
            } else {
              const now = yield* clock.now
              const stored: StoredSession = { session, addressCheck: yield* Ref.get(addressCheck) }
              yield* sql.execute(
                `INSERT INTO pack_session (bench, order_id, data, updated_at_ms) VALUES (1, ?, ?, ?)
                 ON CONFLICT (bench) DO UPDATE SET order_id = excluded.order_id, data = excluded.data,
                 updated_at_ms = excluded.updated_at_ms`,
                [session.order!.orderId, JSON.stringify(stored), now.wallMs]
              )
            }
            yield* Ref.set(current, session)
            yield* Ref.set(notice, null)
          })

        const view = (refusal: Refusal | null) =>
          Effect.gen(function* () {
            const packed = yield* Ref.get(lastParcel)
            return viewOf(yield* Ref.get(current), {
              addressCheck: yield* Ref.get(addressCheck),
              parcel: packed === null ? null : yield* freshParcel(packed.parcel),
              printJobs: packed?.jobs ?? [],
              refusal
            })
          })

        const loadCatalog = Effect.gen(function* () {
          const rows = yield* sql.query<{ data: string }>("SELECT data FROM catalog_items")
          const items = rows.map((row) => Schema.decodeUnknownSync(CatalogItem)(JSON.parse(row.data)))
          const aliases = yield* sql.query<{ alias: string; sku: string }>("SELECT alias, sku FROM sku_aliases")
          const codes = new Map<string, string>()
          for (const item of items) codes.set(item.sku.toUpperCase(), item.sku)
          for (const row of aliases) codes.set(row.alias.toUpperCase(), row.sku)
          return { items, codes }
        })

        /** The box catalog can change through the inbox at any time, so it is read where it is used. */
        const currentBoxes = loadBoxes.pipe(
          Effect.provideService(Sql, sql),
          Effect.map((rows) => rows.map(({ box }) => box))
        )

        const decodeOrder = (data: string) => Schema.decodeUnknownSync(Order)(JSON.parse(data))

        /** The machine asks synchronously; the working set (orders not yet packed) and the catalog are small. */
        const lookupFor = (scan: ScanResult, items: ReadonlyArray<CatalogItem>) =>
          Effect.gen(function* () {
            const candidates = [scan.input.trim().toUpperCase()]
            if (scan.kind === "packbench") candidates.push(scan.id)
            const totes = new Map<string, string>()
            if (scan.kind === "packbench" && scan.type === "tote") {
              const rows = yield* sql.query<{ order_id: string }>("SELECT order_id FROM totes WHERE tote_id = ?", [
                scan.id
              ])
              if (rows[0] !== undefined) {
                totes.set(scan.id, rows[0].order_id)
                candidates.push(rows[0].order_id)
              }
            }
            const rows = yield* sql.query<{ data: string }>(
              `SELECT data FROM orders WHERE status IN ('open', 'on-hold', 'address-hold')
               OR order_id IN (${candidates.map(() => "?").join(", ")})`,
              candidates
            )
            const orders = rows.map((row) => decodeOrder(row.data))
            const serial =
              scan.kind === "gs1" || scan.kind === "digital-link" ? scan.ais.find((e) => e.ai === "21") : undefined
            const packedSerials =
              serial === undefined
                ? []
                : yield* sql.query<{ sku: string }>(
                    `SELECT i.sku FROM parcel_items i JOIN parcels p ON p.parcel_id = i.parcel_id
                     WHERE i.serial = ? AND p.status <> 'voided'`,
                    [serial.value]
                  )
            const boxes = yield* currentBoxes
            const lookup: PackLookup = {
              order: (orderId) => orders.find((order) => order.orderId === orderId),
              toteOrder: (toteId) => totes.get(toteId),
              itemBySku: (sku) => items.find((item) => item.sku === sku),
              itemByGtin: (gtin) => items.find((item) => item.gtin.padStart(14, "0") === gtin),
              openOrdersWanting: (sku) =>
                orders
                  .filter((order) => order.status === "open" && order.lines.some((line) => line.sku === sku))
                  .map((order) => order.orderId),
              serialPacked: (sku, serialValue) =>
                serialValue === serial?.value && packedSerials.some((row) => row.sku === sku),
              boxes
            }
            return lookup
          })

        const recordRefusal = (refusal: Refusal, operator: Operator, at: Timestamp | undefined, raw?: string) =>
          Effect.gen(function* () {
            const orderId = (yield* Ref.get(current)).order?.orderId
            yield* log.append(
              PackException,
              {
                code: refusal.code,
                reason: refusal.reason,
                ...(raw === undefined ? {} : { raw }),
                ...(orderId === undefined ? {} : { orderId }),
                ...(refusal.otherOrderId === undefined ? {} : { otherOrderId: refusal.otherOrderId })
              },
              { ...(at === undefined ? {} : { eventTime: at }), actor: actorOf(operator) }
            )
            return yield* view(refusal)
          })

        /** Applies a pure step: the new session on success, an exception event and the refusal otherwise. */
        const settle = (outcome: PackOutcome, operator: Operator, at: Timestamp | undefined, raw?: string) =>
          outcome.ok
            ? Effect.andThen(setSession(outcome.session), view(null))
            : recordRefusal(outcome.refusal, operator, at, raw)

        const packer = session.require(["packer", "manager"])

        const holdForAddress = (order: Order, check: AddressCheckView, operator: Operator, at: Timestamp) =>
          Effect.gen(function* () {
            const now = yield* clock.now
            yield* sql.transaction(
              Effect.gen(function* () {
                yield* sql.execute(
                  "UPDATE orders SET status = 'address-hold', data = json_set(data, '$.status', 'address-hold'), updated_at_ms = ? WHERE order_id = ?",
                  [now.wallMs, order.orderId]
                )
                yield* log.append(
                  OrderAddressHold,
                  {
                    orderId: order.orderId,
                    customerEmail: order.customer.email,
                    customerLocale: order.customer.locale,
                    carrier: order.carrier,
                    problems: check.errors,
                    request: "customer-correction"
                  },
                  { eventTime: at, actor: actorOf(operator) }
                )
              })
            )
          })

        const checkOrderAddress = (order: Order): AddressCheckView => {
          const addressCarrier = carriers.profile(order.carrier)?.addressCarrier
          const carrier = addressCarrier === undefined ? undefined : findCarrier(addressCarrier)
          const result = checkAddress(order.shipTo, {
            locale: order.customer.locale,
            originCountry: config.originCountry,
            ...(carrier === undefined ? {} : { carrier })
          })
          return { ok: result.ok, errors: result.errors, formatted: result.formatted }
        }

        const scan = Effect.fn("PackService.scan")(function* (input: {
          readonly raw: string
          readonly at?: Timestamp
        }) {
          const operator = yield* packer
          const at = input.at ?? (yield* clock.now)
          const catalog = yield* loadCatalog.pipe(Effect.mapError(storeFailure))
          const identified = identifyScan(input.raw, { resolveSku: (code) => catalog.codes.get(code.toUpperCase()) })
          const before = yield* Ref.get(current)
          const lookup = yield* lookupFor(identified, catalog.items).pipe(Effect.mapError(storeFailure))
          const outcome = applyScan(before, identified, lookup)
          const opened =
            outcome.ok && outcome.session.step !== before.step && before.step !== "order-open"
              ? outcome.session.order
              : undefined
          if (opened !== undefined && outcome.session.verifications.length === 0 && outcome.session.box === undefined) {
            const check = checkOrderAddress(opened)
            yield* Ref.set(addressCheck, check)
            yield* Ref.set(lastParcel, null)
            if (!check.ok) {
              yield* holdForAddress(opened, check, operator, at).pipe(Effect.mapError(storeFailure))
              yield* Ref.set(current, idleSession)
              return yield* view(
                makeRefusal("order-address-hold", "checked", {
                  orderId: opened.orderId,
                  problems: check.errors.map((e) => e.message).join("; ")
                })
              )
            }
          }
          return yield* settle(outcome, operator, at, input.raw).pipe(Effect.mapError(storeFailure))
        })

        const step =
          (name: string, apply: (session: PackSession, operator: Operator) => PackOutcome) =>
          (at: Timestamp | undefined) =>
            Effect.gen(function* () {
              const operator = yield* packer
              const outcome = apply(yield* Ref.get(current), operator)
              return yield* settle(outcome, operator, at ?? (yield* clock.now)).pipe(Effect.mapError(storeFailure))
            }).pipe(Effect.withSpan(`PackService.${name}`))

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

        const nextCounter = (name: string) =>
          Effect.gen(function* () {
            const rows = yield* sql.query<{ next: number }>("SELECT next FROM pack_counters WHERE name = ?", [name])
            const next = Number(rows[0]?.next ?? 1)
            yield* sql.execute(
              "INSERT INTO pack_counters (name, next) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET next = excluded.next",
              [name, next + 1]
            )
            return next
          })

        const refused = (refusal: Refusal) => new PackRefused({ refusal })

        const completeParcel = (ready: PackSession, operator: Operator, at: Timestamp) =>
          sql.transaction(
            Effect.gen(function* () {
              const order = ready.order!
              const rows = yield* sql.query<{ status: string }>("SELECT status FROM orders WHERE order_id = ?", [
                order.orderId
              ])
              if (rows[0]?.status !== "open") {
                const status = rows[0]?.status
                return yield* refused(
                  status === undefined
                    ? makeRefusal("order-already-packed", "gone", { orderId: order.orderId })
                    : makeRefusal("order-already-packed", "changed", { orderId: order.orderId, orderStatus: status })
                )
              }
              const adapter = carriers.adapter(order.carrier)
              if (adapter === undefined) {
                return yield* refused(makeRefusal("label-pending", "noCarrier", { carrier: order.carrier }))
              }
              const parcelId = `${identity.stationId}-${String(yield* nextCounter("parcel")).padStart(6, "0")}`
              const sscc = config.sscc === undefined ? undefined : ssccFor(yield* nextCounter("sscc"))
              const weightGrams = ready.weight!.grams
              const label = yield* adapter
                .createLabel({
                  parcelId,
                  orderId: order.orderId,
                  carrier: order.carrier,
                  serviceLevel: order.serviceLevel,
                  shipTo: order.shipTo,
                  weightGrams,
                  ...(sscc === undefined ? {} : { sscc: sscc.sscc })
                })
                .pipe(
                  Effect.mapError((error) =>
                    refused(
                      error.reason === "range-exhausted" || error.reason === "no-range"
                        ? makeRefusal("tracking-range-exhausted", "reason", { message: error.message })
                        : makeRefusal("label-pending", "carrier", { message: error.message })
                    )
                  )
                )
              const draft: LabelDraft = {
                shipFrom: config.shipFrom,
                shipTo: checkOrderAddress(order).formatted,
                orderId: order.orderId,
                parcelId,
                weightGrams,
                ...(sscc === undefined ? {} : { sscc: sscc.sscc })
              }
              const shippingLabel = label.status === "created" ? labelFrom(draft, label) : undefined
              const labelBytes =
                shippingLabel === undefined
                  ? undefined
                  : yield* encodeZpl(shippingLabel, { dpi }).pipe(
                      Effect.mapError((error) =>
                        refused(makeRefusal("label-content", "label", { message: error.message }))
                      )
                    )
              const lines = packedLines(ready)
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
              }).pipe(
                Effect.mapError((error) => refused(makeRefusal("label-content", "insert", { message: error.message })))
              )
              const insertBytes = yield* insertEncoder
                .encode(insert)
                .pipe(
                  Effect.mapError((error) =>
                    refused(makeRefusal("label-content", "insert", { message: error.message }))
                  )
                )
              const data: ParcelData = {
                ...(shippingLabel === undefined ? {} : { label: shippingLabel }),
                ...(sscc === undefined ? {} : { ssccUrn: sscc.urn })
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
                  bytes: insertBytes
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
                stationId: identity.stationId
              }
              if (label.status === "created") {
                yield* log.append(
                  ParcelPacked,
                  { ...packed, trackingNumber: label.trackingNumber },
                  { eventTime: at, actor: actorOf(operator) }
                )
              } else {
                const request: LabelRequest = {
                  parcelId,
                  orderId: order.orderId,
                  carrier: order.carrier,
                  serviceLevel: order.serviceLevel,
                  shipTo: order.shipTo,
                  weightGrams,
                  ...(sscc === undefined ? {} : { sscc: sscc.sscc })
                }
                yield* recordPendingLabel({
                  request,
                  draft,
                  packed,
                  reason: label.reason,
                  eventTime: at,
                  actor: actorOf(operator)
                })
              }
              yield* sql.execute("DELETE FROM pack_session")
              const parcel = yield* sql.query<ParcelRow>("SELECT * FROM parcels WHERE parcel_id = ?", [parcelId])
              return { parcel: parcelViewOf(parcel[0]!), jobs }
            })
          )

        const complete = Effect.fn("PackService.complete")(function* (input: { readonly at?: Timestamp }) {
          const operator = yield* packer
          const at = input.at ?? (yield* clock.now)
          const ready = readyToComplete(yield* Ref.get(current))
          if (!ready.ok) return yield* recordRefusal(ready.refusal, operator, at).pipe(Effect.mapError(storeFailure))
          const result = yield* Effect.result(completeParcel(ready.session, operator, at))
          if (result._tag === "Failure") {
            const error = result.failure
            if (error._tag === "StoreError") return yield* storeFailure(error)
            return yield* recordRefusal(error.refusal, operator, at).pipe(Effect.mapError(storeFailure))
          }
          const { parcel, jobs } = result.success
          yield* Ref.set(
            current,
            markPacked(
              markLabelled(ready.session, { parcelId: parcel.parcelId, trackingNumber: parcel.trackingNumber ?? "" })
            )
          )
          yield* Ref.set(lastParcel, { parcel, jobs })
          return yield* view(null)
        })

        const findParcel = (parcelId: string) =>
          sql.query<ParcelRow>("SELECT * FROM parcels WHERE parcel_id = ?", [parcelId]).pipe(
            Effect.mapError(storeFailure),
            Effect.map((rows) => rows[0])
          )

        const reprint = Effect.fn("PackService.reprint")(function* (input: { readonly parcelId: string }) {
          yield* packer
          const row = yield* findParcel(input.parcelId)
          if (row === undefined || row.status === "voided") {
            return yield* new ApiError({ code: "parcel-unknown", message: `No packed parcel ${input.parcelId}` })
          }
          const data = JSON.parse(row.data) as ParcelData
          if (data.label === undefined) {
            return yield* new ApiError({
              code: "label-pending",
              message: `Parcel ${row.parcel_id} has no label yet: it prints by itself when ${row.carrier} answers`
            })
          }
          const bytes = yield* encodeZpl(data.label, { dpi }).pipe(
            Effect.mapError((error) => new ApiError({ code: "label-content", message: error.message }))
          )
          const job = yield* printQueue
            .enqueue({ printer: "label", purpose: `label ${row.parcel_id} (reprint)`, bytes })
            .pipe(Effect.mapError(storeFailure))
          return [jobRef(job)]
        })

        const voidParcel = Effect.fn("PackService.voidParcel")(function* (input: {
          readonly parcelId: string
          readonly reason: string
          readonly at?: Timestamp
        }) {
          const operator = yield* session.require(["manager"])
          const at = input.at ?? (yield* clock.now)
          const row = yield* findParcel(input.parcelId)
          if (row === undefined || row.status !== "packed" || row.tracking_number === null) {
            return yield* new ApiError({
              code: row === undefined ? "parcel-unknown" : "parcel-not-voidable",
              message:
                row === undefined
                  ? `No parcel ${input.parcelId}`
                  : `Parcel ${input.parcelId} is ${row.status}: only a packed parcel still at the bench can be voided`
            })
          }
          if (input.reason.trim() === "") {
            return yield* new ApiError({ code: "reason-required", message: "Say why the parcel is voided" })
          }
          const trackingNumber = row.tracking_number
          const adapter = carriers.adapter(row.carrier)
          if (adapter !== undefined) {
            yield* adapter
              .voidLabel(trackingNumber)
              .pipe(Effect.mapError((error) => new ApiError({ code: "carrier-refused", message: error.message })))
          }
          const data = JSON.parse(row.data) as ParcelData
          const now = yield* clock.now
          yield* sql
            .transaction(
              Effect.gen(function* () {
                yield* sql.execute("UPDATE parcels SET status = 'voided' WHERE parcel_id = ?", [row.parcel_id])
                yield* sql.execute(
                  "UPDATE orders SET status = 'open', data = json_set(data, '$.status', 'open'), updated_at_ms = ? WHERE order_id = ? AND status = 'packed'",
                  [now.wallMs, row.order_id]
                )
                yield* log.append(
                  ParcelVoided,
                  {
                    orderId: row.order_id,
                    parcelId: row.parcel_id,
                    carrier: row.carrier,
                    trackingNumber,
                    ...(data.ssccUrn === undefined ? {} : { ssccUrn: data.ssccUrn }),
                    reason: input.reason.trim()
                  },
                  { eventTime: at, actor: actorOf(operator) }
                )
              })
            )
            .pipe(Effect.mapError(storeFailure))
          const packed = yield* Ref.get(lastParcel)
          if (packed?.parcel.parcelId === row.parcel_id) {
            yield* Ref.set(lastParcel, null)
            yield* Ref.set(current, idleSession)
          }
          return parcelViewOf({ ...row, status: "voided" })
        })

        const abandon = Effect.gen(function* () {
          yield* packer
          const before = yield* Ref.get(current)
          if (before.step === "labelled") {
            return yield* new ApiError({ code: "parcel-closed", message: "The parcel is labelled: void it instead" })
          }
          yield* Ref.set(addressCheck, null)
          yield* setSession(idleSession).pipe(Effect.mapError(storeFailure))
          return yield* view(null)
        })

        const release = (orderId: string) =>
          Effect.gen(function* () {
            const before = yield* Ref.get(current)
            if (before.step === "idle" || before.step === "labelled" || before.order?.orderId !== orderId) return false
            yield* Ref.set(addressCheck, null)
            yield* setSession(idleSession).pipe(
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
          state: Effect.flatMap(Ref.get(notice), view),
          release,
          scan,
          quantity: (input) => step("quantity", (s) => setQuantity(s, input.quantity))(input.at),
          undo: (input) => step("undo", (s) => undoLastScan(s))(input.at),
          shortShip: (input) =>
            step("shortShip", (s, operator) => shortShip(s, { lineId: input.lineId, reason: input.reason, operator }))(
              input.at
            ),
          chooseBox: (input) =>
            Effect.flatMap(Effect.mapError(currentBoxes, storeFailure), (boxes) =>
              step("chooseBox", (s) => chooseBox(s, input.boxId, boxes))(input.at)
            ),
          weight: (input) => step("weight", (s) => enterWeight(s, input.grams, input.source))(input.at),
          complete,
          abandon,
          reprint,
          voidParcel,
          parcel: (parcelId) =>
            Effect.map(findParcel(parcelId), (row) => (row === undefined ? undefined : parcelViewOf(row)))
        })
      })
    )
}
