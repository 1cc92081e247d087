/** Applies the order messages from the inbox: the shop's orders, versions, cancellations, corrections; the hub's corrections. */
import { Effect, Schema } from "effect"
import { sameAddress } from "../address/Address.ts"
import { sameDeliveryAddress } from "../address/sameDeliveryAddress.ts"
import { BoundedInt, Bounds } from "../bounds/Bounds.ts"
import { EventLog } from "../events/EventLog.ts"
import { renumberParcelLines } from "../pack/renumberParcelLines.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import { hubStreamOnly } from "../sync/hubStreamOnly.ts"
import { inboundVersion } from "../sync/InboundVersion.ts"
import type { Inbox } from "../sync/Inbox.ts"
import { StationClock } from "../time/Clock.ts"
import { Address, type Order, type OrderStatus, OrderVersion, ShopOrder } from "./Order.ts"
import {
  type HubCorrectionIgnoredCause,
  InboundUpdateIgnored,
  OrderAddressCorrected,
  OrderCancelled,
  OrderReceived,
  OrderReinstated
} from "./OrderEvents.ts"

export const OrderCancel = Schema.Struct({ orderId: Schema.String, version: OrderVersion })
export const AddressCorrection = Schema.Struct({ orderId: Schema.String, version: OrderVersion, shipTo: Address })

/**
 * A customer's address correction that the hub took on its page for an order no shop connector brought
 * (hub/core/correction), on the hub's stream to the station that held the order. It carries no order version: the
 * order's versions are its source's (a shop that publishes to the inbox by itself counts its changes or stamps their
 * time), so any version the hub gave it (the stored one plus one) would be the number of the source's own next change,
 * and one of the two would be lost as "not newer". `correction` is the hub's own number of the order's corrections (the
 * address hold it answers: 1, 2, …), compared with the corrections before it only. `previousShipTo` is the address the
 * customer corrected, as the hub had it: absent when the hub had none to show.
 */
export const HubAddressCorrection = Schema.Struct({
  orderId: Schema.String,
  correction: BoundedInt(1, Bounds.maxCounter),
  shipTo: Address,
  previousShipTo: Schema.optional(Address)
})

/**
 * Called when an inbound change touches the order that is open on the bench (the UI interrupts the packer). It runs
 * in the inbox's transaction: a store that fails fails the message, which the catch-up brings again.
 */
export type OpenOrderProbe = {
  readonly isOpen: (orderId: string) => Effect.Effect<boolean>
  readonly interrupt: (
    orderId: string,
    reason: "cancelled" | "address-corrected" | "changed"
  ) => Effect.Effect<void, StoreError>
}

/**
 * The status a newer version of an order takes at this station. Packing state is the station's own: a version from
 * the shop does not reopen a shipped or packed order, nor one cancelled after packing whose parcel is still here
 * (the shop took the cancellation back: it is packed again). A version that cancels an order whose parcel is still
 * here cancels it, as `order.cancel` does: its parcel is held back.
 */
const statusHere = (shopStatus: OrderStatus, shipped: boolean, packedHere: boolean): OrderStatus => {
  if (shipped) return "shipped"
  if (!packedHere) return shopStatus
  return shopStatus === "cancelled" ? "cancelled" : "packed"
}

/** Whether the shop's cancellation of the order is in force here: cancelled, or shipped with its cancellation kept. */
const cancellationInForce = (stored: StoredOrder | undefined) =>
  stored !== undefined && (stored.status === "cancelled" || stored.shippedCancelledVersion !== null)

interface StoredOrder {
  readonly version: number
  readonly status: OrderStatus
  readonly order: Order
  /** A shipped order's cancellation in force: the version the shop cancelled it at (station migration 0109). */
  readonly shippedCancelledVersion: number | null
}

/** The hub's last correction of an order here: its number, the address it set and the source's address it replaced. */
interface StoredHubCorrection {
  readonly correction: number
  readonly shipTo: Address
  readonly replacedShipTo: Address
  /** The source has set an address itself since: the correction no longer holds. */
  readonly superseded: boolean
}

/**
 * Whether the source's `shipTo` leaves the hub's correction standing: it names the place the correction replaced (the
 * source never hears of the correction) or the corrected one (the shop took the hub's push of it), in whatever form
 * the shop writes it (`sameDeliveryAddress`). Any other place is the source's own.
 */
const echoesHubCorrection = (shipTo: Address, correction: StoredHubCorrection) =>
  sameDeliveryAddress(shipTo, correction.replacedShipTo) || sameDeliveryAddress(shipTo, correction.shipTo)

/**
 * The conflict rules for changes from the shop, applied in the inbox's transaction:
 * - every change carries the order's version; a change at or below the stored version is ignored and recorded,
 *   so a late, stale message never overwrites a newer one. A version no sender can have given (`inboundVersion`, the
 *   rule of every versioned inbound type) fails its message, which the inbox quarantines with the reason: taken, it
 *   would make every genuine later change stale. A stored one such (taken before versions were checked) is no version
 *   to compare with: the next change wins;
 * - a cancellation of an order already shipped is recorded but does not undo the parcel (it is physically on its
 *   way: a return, not a cancellation, follows). An order packed but not yet handed over is cancelled: its parcel
 *   is still in the building and does not leave (core/pack/parcelHold.ts) until a manager voids it, which leaves
 *   the order cancelled (`parcelHeld`). A version whose status is cancelled cancels as `order.cancel` does, and is
 *   recorded as it is (`order.cancelled`, after the version's `order.received`), so the hub hears of a cancellation
 *   whichever message carried it. A newer version that is not cancelled takes a cancellation back
 *   (`order.reinstated`, after its `order.received`): the order takes the shop's status again, packed when its
 *   parcel is still here; a shipped order stays shipped, and keeps its cancellation in force apart
 *   (`shipped_cancelled_version`), so that its taking back is recorded too;
 * - an address correction releases an address hold. The stored order always takes the corrected address: it is the
 *   shop's newest version of the order, and what the bench packs next. What the parcel carries is the parcel's own
 *   record (the address its label was made for, core/pack/labelAddressOutdated.ts): a parcel labelled for the old
 *   address and still here is refused at handover and reprint until it is voided and packed again
 *   (`labelReprintRequired`); one already with the carrier travels to the old address, which the event says
 *   (`parcelAlreadyHandedOver`, `previousShipTo`), so the log tells where the parcel went and the stored order
 *   where the customer wants the next one;
 * - a customer's correction through the hub (`order.hub-address-correction`) is a fact on top of the order, numbered by
 *   the hub on its own and never by the order's version, which stays its source's: the order keeps its version and
 *   takes the corrected address (releasing an address hold, as above). A later version from the source that still
 *   carries the address the correction replaced, or echoes the corrected one (each in the source's own form,
 *   `sameDeliveryAddress`), keeps the corrected one, with the source's other changes; an address
 *   the source sets itself (a version with another address, or its own `order.address-corrected`) is the order's again
 *   and the correction no longer holds. The correction answers the source's hold of the address it replaced too: a
 *   later version that still holds that address (the source repeats its hold) leaves the order open. A correction
 *   that arrives after the source set another address itself is not applied: it was made for an address the order
 *   no longer has, and is recorded with the reason
 *   (`inbound.update-ignored`, cause `source-changed`); nor is one that arrives after the parcel was handed to the
 *   carrier (cause `handed-to-carrier`: the parcel travels to the address it was labelled for). The hub tells the
 *   customer of both. So neither the correction nor the source's next change is lost to the other, whichever
 *   reaches the station first (they come on different streams);
 * - a version that numbers the lines anew over the same items (a shop that gives every line a new id on an edit)
 *   moves the units of the order's parcels onto the new lines (`renumberParcelLines`), so a parcel still here leaves
 *   and a return of one already gone refunds the shop's lines as they are now;
 * - a cancellation of the order open on the bench interrupts the packer at once, and so does a new version of it:
 *   the bench packs the lines it opened, and completing would mark the new version packed with the old lines in the
 *   box (a restart refuses to continue such a session for the same reason);
 * - every change applied (not a stale one) is told to `changed`, in the inbox's transaction, after the order is
 *   saved: what waits on the order looks at it again (a label withheld for it, whose hold the change may lift).
 */
export const registerOrderInbound = (
  inbox: Inbox["Service"],
  probe: OpenOrderProbe,
  changed: (orderId: string) => Effect.Effect<void, StoreError> = () => Effect.void
) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const log = yield* EventLog
    const clock = yield* StationClock

    const load = (orderId: string) =>
      sql
        .query<{ version: number; status: OrderStatus; data: string; shipped_cancelled_version: number | null }>(
          "SELECT version, status, data, shipped_cancelled_version FROM orders WHERE order_id = ?",
          [orderId]
        )
        .pipe(
          Effect.map((rows): StoredOrder | undefined =>
            rows[0] === undefined
              ? undefined
              : {
                  version: Number(rows[0].version),
                  status: rows[0].status,
                  order: JSON.parse(rows[0].data),
                  shippedCancelledVersion:
                    rows[0].shipped_cancelled_version === null ? null : Number(rows[0].shipped_cancelled_version)
                }
          )
        )

    const save = (order: Order) =>
      Effect.flatMap(clock.now, (now) =>
        sql.execute(
          `INSERT INTO orders (order_id, version, status, data, updated_at_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (order_id) DO UPDATE SET version = excluded.version, status = excluded.status,
             data = excluded.data, updated_at_ms = excluded.updated_at_ms`,
          [order.orderId, order.version, order.status, JSON.stringify(order), now.wallMs]
        )
      )

    const loadHubCorrection = (orderId: string) =>
      sql
        .query<{ correction: number; ship_to: string; replaced_ship_to: string; superseded_at_version: number | null }>(
          "SELECT correction, ship_to, replaced_ship_to, superseded_at_version FROM order_hub_corrections WHERE order_id = ?",
          [orderId]
        )
        .pipe(
          Effect.map((rows): StoredHubCorrection | undefined => {
            const row = rows[0]
            if (row === undefined) return undefined
            return {
              correction: Number(row.correction),
              shipTo: JSON.parse(row.ship_to),
              replacedShipTo: JSON.parse(row.replaced_ship_to),
              superseded: row.superseded_at_version !== null
            }
          })
        )

    /** The source set the order's address itself at `version`: the hub's correction of it no longer holds. */
    const supersedeHubCorrection = (orderId: string, version: number) =>
      sql.execute(
        "UPDATE order_hub_corrections SET superseded_at_version = ? WHERE order_id = ? AND superseded_at_version IS NULL",
        [version, orderId]
      )

    const ignoreStale = (messageType: string, orderId: string, receivedVersion: number, stored: StoredOrder) =>
      log.append(InboundUpdateIgnored, {
        messageType,
        orderId,
        receivedVersion,
        storedVersion: stored.version,
        reason: `version ${receivedVersion} is not newer than the stored version ${stored.version}`
      })

    /** Whether a parcel of the order is at this station still: packed, or waiting for its label. */
    const parcelHere = (orderId: string) =>
      sql
        .query("SELECT 1 FROM parcels WHERE order_id = ? AND status IN ('packed', 'label-pending') LIMIT 1", [orderId])
        .pipe(Effect.map((rows) => rows.length > 0))

    /**
     * The shop cancelled the order at `orderVersion`, by `order.cancel` or by a version whose status is cancelled:
     * one fact for both, so the hub stops the order's mail (or lets it go on, the parcel having left) whichever
     * message carried it. `previousStatus` is the order's status here before, `new` for an order this station had
     * never heard of. A packed order's parcel is still here (handover sets shipped): it is held back.
     */
    const recordCancellation = (
      orderId: string,
      orderVersion: number,
      previousStatus: OrderStatus | "new",
      openOnBench: boolean,
      inForce: boolean
    ) =>
      Effect.gen(function* () {
        const recorded = yield* log.append(OrderCancelled, {
          orderId,
          orderVersion,
          previousStatus,
          interruptedPacking: openOnBench && previousStatus !== "shipped",
          parcelHeld: previousStatus === "packed"
        })
        // Recorded all the same (the hub hears of every version), but its void repeats the one in force.
        if (inForce) yield* sql.execute("INSERT INTO repeated_cancellations (event_id) VALUES (?)", [recorded.id])
        // The order stays shipped: what says its cancellation is in force, for a newer version to take it back.
        if (previousStatus === "shipped") yield* keepShippedCancellation(orderId, orderVersion)
      })

    /** A shipped order's cancellation in force (at `version`), or none (null): the order's status cannot tell. */
    const keepShippedCancellation = (orderId: string, version: number | null) =>
      sql.execute("UPDATE orders SET shipped_cancelled_version = ? WHERE order_id = ?", [version, orderId])

    yield* inbox.register("order.upsert", ShopOrder, (order, context) =>
      Effect.gen(function* () {
        const received = yield* inboundVersion(`order ${order.orderId}`, order.version, context.receivedAtMs)
        const stored = yield* load(order.orderId)
        if (stored !== undefined && !received.supersedes(stored.version)) {
          return yield* ignoreStale("order.upsert", order.orderId, order.version, stored)
        }
        const packedHere =
          stored?.status === "packed" || (stored?.status === "cancelled" && (yield* parcelHere(order.orderId)))
        // The source never hears of the hub's correction: a version with the address it replaced keeps the correction,
        // and so does one echoing the corrected address (the hub pushed it to the shop).
        const correction = yield* loadHubCorrection(order.orderId)
        const keepCorrection =
          correction !== undefined && !correction.superseded && echoesHubCorrection(order.shipTo, correction)
        if (correction !== undefined && !correction.superseded && !keepCorrection) {
          yield* supersedeHubCorrection(order.orderId, order.version)
        }
        // Nor does it hear that the correction answered its hold of that address: a source that repeats the hold with
        // each version would hold the corrected order again for good. The hold of the replaced address is the one
        // the correction answered; a hold of an address the source sets itself (the correction superseded) stands.
        // A hold of the corrected address the source took (the hub's push of it) is a hold of the customer's address:
        // it stands.
        const answeredHold = keepCorrection && sameDeliveryAddress(order.shipTo, correction.replacedShipTo)
        const shopStatus = answeredHold && order.status === "address-hold" ? "open" : order.status
        const status = statusHere(shopStatus, stored?.status === "shipped", packedHere)
        const next = { ...order, status, shipTo: keepCorrection ? correction.shipTo : order.shipTo }
        const open = stored !== undefined && (yield* probe.isOpen(order.orderId))
        yield* save(next)
        // The order first: the hub learns of the order (and its customer) before a cancellation of it.
        yield* log.append(OrderReceived, { order: next, replacedVersion: stored?.version ?? null })
        if (stored !== undefined) {
          yield* renumberParcelLines(next).pipe(Effect.provideService(Sql, sql), Effect.provideService(EventLog, log))
        }
        // An order this station never knew that arrives cancelled is kept as cancelled and recorded cancelled as
        // well (`new`): the hub has heard of it only now, and must not mail a customer about it (an order
        // confirmation, for one) as if it were going to be packed.
        if (order.status === "cancelled" && stored?.status !== "cancelled") {
          yield* recordCancellation(
            order.orderId,
            order.version,
            stored?.status ?? "new",
            open,
            cancellationInForce(stored)
          )
        } else if (cancellationInForce(stored) && status !== "cancelled") {
          // A shipped order's too: it stays shipped, and the void of its cancellation is taken back all the same.
          yield* log.append(OrderReinstated, { orderId: order.orderId, orderVersion: order.version, status })
          if (stored?.status === "shipped") yield* keepShippedCancellation(order.orderId, null)
        }
        if (open) yield* probe.interrupt(order.orderId, status === "cancelled" ? "cancelled" : "changed")
        yield* changed(order.orderId)
      })
    )

    yield* inbox.register("order.cancel", OrderCancel, (cancel, context) =>
      Effect.gen(function* () {
        const received = yield* inboundVersion(`order ${cancel.orderId}`, cancel.version, context.receivedAtMs)
        const stored = yield* load(cancel.orderId)
        if (stored === undefined) return yield* Effect.fail(`order ${cancel.orderId} is not known at this station`)
        if (!received.supersedes(stored.version))
          return yield* ignoreStale("order.cancel", cancel.orderId, cancel.version, stored)
        const shipped = stored.status === "shipped"
        const open = yield* probe.isOpen(cancel.orderId)
        yield* save({ ...stored.order, version: cancel.version, status: shipped ? "shipped" : "cancelled" })
        yield* recordCancellation(cancel.orderId, cancel.version, stored.status, open, cancellationInForce(stored))
        // Open on the bench: being packed (taken off the bench) or its parcel just packed there (kept for a manager).
        if (open && !shipped) yield* probe.interrupt(cancel.orderId, "cancelled")
        yield* changed(cancel.orderId)
      })
    )

    yield* inbox.register("order.address-corrected", AddressCorrection, (correction, context) =>
      Effect.gen(function* () {
        const received = yield* inboundVersion(`order ${correction.orderId}`, correction.version, context.receivedAtMs)
        const stored = yield* load(correction.orderId)
        if (stored === undefined) return yield* Effect.fail(`order ${correction.orderId} is not known at this station`)
        if (!received.supersedes(stored.version)) {
          return yield* ignoreStale("order.address-corrected", correction.orderId, correction.version, stored)
        }
        const releasedHold = stored.status === "address-hold"
        // The source's own correction that only echoes the hub's (the shop took the hub's push of it) sets no address
        // of its own: the hub's correction holds, in the customer's form.
        const hubCorrection = yield* loadHubCorrection(correction.orderId)
        const echo =
          hubCorrection !== undefined &&
          !hubCorrection.superseded &&
          sameDeliveryAddress(correction.shipTo, hubCorrection.shipTo)
        const shipTo = echo ? hubCorrection.shipTo : correction.shipTo
        const moved = !sameAddress(stored.order.shipTo, shipTo)
        if (!echo) yield* supersedeHubCorrection(correction.orderId, correction.version)
        yield* save({
          ...stored.order,
          version: correction.version,
          shipTo,
          status: releasedHold ? "open" : stored.status
        })
        yield* log.append(OrderAddressCorrected, {
          orderId: correction.orderId,
          orderVersion: correction.version,
          shipTo,
          previousShipTo: stored.order.shipTo,
          releasedHold,
          labelReprintRequired: moved && stored.status === "packed",
          parcelAlreadyHandedOver: stored.status === "shipped"
        })
        // The same address again changes nothing the bench packs or printed: the packer is not stopped for it.
        if (moved && (yield* probe.isOpen(correction.orderId))) {
          yield* probe.interrupt(correction.orderId, "address-corrected")
        }
        yield* changed(correction.orderId)
      })
    )

    yield* inbox.register("order.hub-address-correction", HubAddressCorrection, (correction, context) =>
      Effect.gen(function* () {
        yield* hubStreamOnly(context)
        // The hub's number passes the rule of every sender's version: one past it would leave every later correction
        // "not newer" for good.
        const received = yield* inboundVersion(
          `order ${correction.orderId} correction`,
          correction.correction,
          context.receivedAtMs
        )
        const stored = yield* load(correction.orderId)
        if (stored === undefined) return yield* Effect.fail(`order ${correction.orderId} is not known at this station`)
        const before = yield* loadHubCorrection(correction.orderId)
        const ignore = (storedVersion: number, cause: HubCorrectionIgnoredCause, reason: string) =>
          log.append(InboundUpdateIgnored, {
            messageType: "order.hub-address-correction",
            orderId: correction.orderId,
            receivedVersion: correction.correction,
            storedVersion,
            reason,
            cause,
            ...(cause === "not-newer" ? {} : { keptShipTo: stored.order.shipTo })
          })
        if (before !== undefined && !received.supersedes(before.correction)) {
          return yield* ignore(
            before.correction,
            "not-newer",
            `correction ${correction.correction} is not newer than correction ${before.correction} taken before`
          )
        }
        const current = stored.order.shipTo
        // The source's form of an address (its case, spacing, region code) is the same place (`sameDeliveryAddress`).
        // The parcel is with the carrier, labelled for the address before: the correction reaches no parcel. The
        // order keeps the address its parcel travels to, and the hub tells the customer why theirs was not used.
        if (stored.status === "shipped" && !sameDeliveryAddress(current, correction.shipTo)) {
          return yield* ignore(
            stored.version,
            "handed-to-carrier",
            `the order's parcel was handed to the carrier before the customer's correction ${correction.correction} arrived: it travels to the address it was labelled for, and the correction is not applied`
          )
        }
        if (
          correction.previousShipTo !== undefined &&
          !sameDeliveryAddress(current, correction.previousShipTo) &&
          !sameDeliveryAddress(current, correction.shipTo)
        ) {
          return yield* ignore(
            stored.version,
            "source-changed",
            `the order's source changed the address itself (version ${stored.version}) after the customer was asked: the customer's correction ${correction.correction} was made for the address before it and is not applied; ask the customer or the shop which address holds`
          )
        }
        const releasedHold = stored.status === "address-hold"
        const moved = !sameAddress(current, correction.shipTo)
        yield* save({
          ...stored.order,
          version: stored.version,
          shipTo: correction.shipTo,
          status: releasedHold ? "open" : stored.status
        })
        // A correction of a correction still replaces the source's address: that is what its next versions carry.
        const replaced = before !== undefined && !before.superseded ? before.replacedShipTo : current
        yield* sql.execute(
          `INSERT INTO order_hub_corrections (order_id, correction, ship_to, replaced_ship_to, superseded_at_version,
             applied_at_ms) VALUES (?, ?, ?, ?, NULL, ?)
           ON CONFLICT (order_id) DO UPDATE SET correction = excluded.correction, ship_to = excluded.ship_to,
             replaced_ship_to = excluded.replaced_ship_to, superseded_at_version = NULL,
             applied_at_ms = excluded.applied_at_ms`,
          [
            correction.orderId,
            correction.correction,
            JSON.stringify(correction.shipTo),
            JSON.stringify(replaced),
            (yield* clock.now).wallMs
          ]
        )
        yield* log.append(OrderAddressCorrected, {
          orderId: correction.orderId,
          orderVersion: stored.version,
          shipTo: correction.shipTo,
          previousShipTo: current,
          releasedHold,
          labelReprintRequired: moved && stored.status === "packed",
          parcelAlreadyHandedOver: stored.status === "shipped",
          correction: correction.correction
        })
        if (moved && (yield* probe.isOpen(correction.orderId))) {
          yield* probe.interrupt(correction.orderId, "address-corrected")
        }
        yield* changed(correction.orderId)
      })
    )
  })
