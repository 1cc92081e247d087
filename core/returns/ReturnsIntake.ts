/** Taking returned parcels in, scanning their items and closing the return. */
import { Effect } from "effect"
import type { CatalogItem } from "../catalog/CatalogItem.ts"
import { identifyWithCatalog } from "../catalog/CatalogLookup.ts"
import type { OrderLine } from "../orders/Order.ts"
import { parseReturnUrl } from "../scan/ReturnUrl.ts"
import type { ScanResult } from "../scan/ScanResult.ts"
import type { Operator } from "../session/Operator.ts"
import { actorOf } from "../session/Operator.ts"
import { Sql, type StoreError } from "../store/Sql.ts"
import type { Timestamp } from "../time/Clock.ts"
import { noOrderNote } from "./ReturnNote.ts"
import { type ReturnRow, returnsError, toReturnsError, type WithAt } from "./ReturnRows.ts"
import type { ReturnsDesk } from "./ReturnsDesk.ts"
import type { ReturnsError } from "./ReturnsError.ts"
import { ReturnCancelled, type ReturnFlag, ReturnReceived } from "./ReturnsEvents.ts"

/**
 * Taking parcels in and closing them: a parcel scan opens a return (an unknown one when no order matches, never
 * refused at the door), each item scan adds a unit matched against what was shipped, and finish closes the return.
 */
export const makeReturnsIntake = (
  desk: ReturnsDesk,
  config: { readonly rmaHosts?: ReadonlyArray<string>; readonly returnUrls?: ReadonlyArray<string> }
) => {
  const { rmaHosts, returnUrls = [] } = config
  const {
    sql,
    log,
    identity,
    clerk,
    timeOf,
    catalogOf,
    loadOrder,
    shippedOf,
    nextNumber,
    openReturn,
    requireOpenReturn,
    refundDecidedIn,
    currentView
  } = desk
  /** Finds what a parcel scan points at, trying the raw text first: a tracking number is stored as printed. */
  const findParcel = (raw: string, scan: ScanResult) =>
    Effect.gen(function* () {
      const text = raw.trim().toUpperCase()
      const candidates = [text, text.replace(/ /g, "")]
      if (scan.kind === "packbench") candidates.push(scan.id)
      if (scan.kind === "sscc") candidates.push(scan.ais[0]?.value ?? "")
      const marks = candidates.map(() => "?").join(", ")
      const rmas = yield* sql.query<{ rma_id: string; order_id: string; data: string }>(
        `SELECT rma_id, order_id, data FROM rma WHERE rma_id IN (${marks})
               OR json_extract(data, '$.returnTrackingNumber') IN (${marks})`,
        [...candidates, ...candidates]
      )
      const rma = rmas[0]
      const parcels = yield* sql.query<{ parcel_id: string; order_id: string; data: string }>(
        `SELECT parcel_id, order_id, data FROM parcels WHERE parcel_id IN (${marks})
               OR tracking_number IN (${marks}) OR sscc IN (${marks})`,
        [...candidates, ...candidates, ...candidates]
      )
      const parcel = parcels[0]
      // The insert's return page names the order beside its return code: both must point at the same order.
      const namedOrder = scan.kind === "packbench" && scan.type === "rma" ? scan.orderId : undefined
      const foundOrder = rma?.order_id ?? parcel?.order_id
      if (namedOrder !== undefined && foundOrder !== undefined && namedOrder !== foundOrder) {
        return yield* Effect.fail(
          returnsError(
            "return-code-mismatch",
            `Return code ${scan.kind === "packbench" ? scan.id : text} belongs to order ${foundOrder}, but the address names order ${namedOrder}: check the parcel`
          )
        )
      }
      // A typed order number (no label left on the parcel) is the last resort before "unknown return".
      const orderId = foundOrder ?? namedOrder ?? (scan.kind === "packbench" && scan.type === "order" ? scan.id : text)
      const order = yield* loadOrder(orderId)
      return {
        rmaId: rma?.rma_id ?? null,
        parcelId: parcel?.parcel_id ?? null,
        ssccUrn: parcel === undefined ? null : ((JSON.parse(parcel.data) as { ssccUrn?: string }).ssccUrn ?? null),
        order
      }
    })

  /**
   * Why a scan cannot open a return at all: a return code that does not read (misprinted, typed wrong) or a web
   * address that is not one of the brands' return pages. Anything else that is not found still opens an unknown
   * return, as a parcel is never refused at the door.
   */
  const notAReturn = (raw: string, scan: ScanResult) => {
    if (scan.kind === "packbench" && scan.type === "rma" && !scan.valid) {
      return returnsError("return-code-invalid", `The return code does not read: ${scan.reason ?? "invalid"}`)
    }
    if (scan.kind === "sscc" || scan.kind === "packbench") return undefined
    const address = parseReturnUrl(raw.trim(), returnUrls)
    if (address === undefined || address.ok) return undefined
    return returnsError(
      address.code === "foreign" ? "return-url-foreign" : "return-code-invalid",
      address.code === "foreign"
        ? `Not a return code of this shop: ${address.reason}. Scan the parcel's label or the insert's QR code`
        : `The return code does not read: ${address.reason}`
    )
  }

  const receive = (raw: string, scan: ScanResult, at: Timestamp, operator: Operator) =>
    Effect.gen(function* () {
      const refused = notAReturn(raw, scan)
      if (refused !== undefined) return yield* Effect.fail(refused)
      const found = yield* findParcel(raw, scan)
      const returnId = `${identity.stationId}-R${String(yield* nextNumber("return")).padStart(6, "0")}`
      const notes = found.order === undefined ? [noOrderNote(raw.trim(), scan.kind)] : []
      yield* sql.execute(
        `INSERT INTO returns (return_id, status, order_id, parcel_id, rma_id, customer_id, scanned, notes,
                 received_at_ms) VALUES (?, 'open', ?, ?, ?, ?, ?, ?, ?)`,
        [
          returnId,
          found.order?.orderId ?? null,
          found.parcelId,
          found.rmaId,
          found.order?.customer.customerId ?? null,
          raw,
          JSON.stringify(notes),
          at.wallMs
        ]
      )
      yield* log.append(
        ReturnReceived,
        {
          returnId,
          known: found.order !== undefined,
          orderId: found.order?.orderId ?? null,
          parcelId: found.parcelId,
          rmaId: found.rmaId,
          ssccUrn: found.ssccUrn,
          scanned: raw,
          notes: notes.join("\n")
        },
        { eventTime: at, actor: actorOf(operator) }
      )
    })

  /** Matches a scanned unit against what was shipped for the order, flagging what does not fit. */
  const addItem = (current: ReturnRow, scan: ScanResult) =>
    Effect.gen(function* () {
      const ai = (code: string) =>
        scan.kind === "gs1" || scan.kind === "digital-link" ? scan.ais.find((e) => e.ai === code)?.value : undefined
      const gtin = scan.kind === "gtin" ? scan.gtin : ai("01")
      const serial = ai("21") ?? null
      const lot = ai("10") ?? null
      const found = yield* catalogOf(
        scan.kind === "sku" ? { skus: [scan.sku] } : { skus: [], gtin14s: gtin === undefined ? [] : [gtin] }
      )
      const item: CatalogItem | undefined =
        scan.kind === "sku"
          ? found.items.find((c) => c.sku === scan.sku)
          : found.items.find((c) => gtin !== undefined && c.gtin.padStart(14, "0") === gtin)
      // An item stored beyond today's bounds is not used: taken as unknown, with its GTIN kept (a scan by SKU gives
      // none) so the case names it by its SKU and fields (`ReturnItemView.beyondBounds`).
      const beyond =
        item === undefined
          ? found.beyondBounds.find((c) => (scan.kind === "sku" ? c.sku === scan.sku : c.gtin14 === gtin))
          : undefined
      const flags: Array<ReturnFlag> = []
      let lineId: string | null = null
      let unit: number | null = null
      if (item === undefined) flags.push("unknown-item")
      const order = current.order_id === null ? undefined : yield* loadOrder(current.order_id)
      if (item !== undefined && order !== undefined) {
        const lines = order.lines.filter((line) => line.sku === item.sku)
        if (lines.length === 0) flags.push("not-in-order")
        const shipped = (yield* shippedOf(order.orderId)).filter((s) => s.sku === item.sku)
        const bySerial = serial === null ? undefined : shipped.find((s) => s.serial === serial)
        if (serial !== null && bySerial === undefined && lines.length > 0) flags.push("serial-mismatch")
        const shippedLots = shipped.flatMap((s) => (s.lot === null ? [] : [s.lot]))
        if (lot !== null && shippedLots.length > 0 && !shippedLots.includes(lot)) flags.push("lot-mismatch")
        // The serialised unit's own line; else, of the lines asking for the item, the first with a unit not yet
        // returned: an item the shop split over two lines comes back on both. The shipped rows name the lines of the
        // order as it is now, however the shop numbered them since (core/pack/renumberParcelLines.ts).
        const unitsTaken = (onLine: string) =>
          Effect.map(
            sql.query<{ unit: number }>(
              `SELECT i.unit FROM return_items i JOIN returns r ON r.return_id = i.return_id
                   WHERE r.order_id = ? AND i.line_id = ? AND i.unit IS NOT NULL AND r.status <> 'cancelled'
                   UNION SELECT unit FROM refunds WHERE order_id = ? AND line_id = ?`,
              [order.orderId, onLine, order.orderId, onLine]
            ),
            (taken) => new Set(taken.map((t) => Number(t.unit)))
          )
        const freeUnits = (quantity: number, used: ReadonlySet<number>) =>
          Array.from({ length: quantity }, (_, index) => index + 1).filter((u) => !used.has(u))
        const firstFree = (quantity: number, used: ReadonlySet<number>) => freeUnits(quantity, used)[0]
        // Units of the item returned or refunded on lines the order no longer has keep those lines (the shop numbered
        // its lines anew since), yet they are units of the order's item all the same: they take the item's units on
        // the lines it has now, first line first, as the parcels' units moved, so no unit is returned twice unseen.
        const current = new Set(order.lines.map((line) => line.lineId))
        const returnedOfItem = yield* sql.query<{ line_id: string; unit: number }>(
          `SELECT i.line_id, i.unit FROM return_items i JOIN returns r ON r.return_id = i.return_id
               WHERE r.order_id = ? AND i.sku = ? AND i.line_id IS NOT NULL AND i.unit IS NOT NULL
                 AND r.status <> 'cancelled'
               UNION SELECT f.line_id, f.unit FROM refunds f JOIN return_items i ON i.item_ref = f.item_ref
               WHERE f.order_id = ? AND i.sku = ?`,
          [order.orderId, item.sku, order.orderId, item.sku]
        )
        let onFormerLines = returnedOfItem.filter((taken) => !current.has(taken.line_id)).length
        const candidates = bySerial === undefined ? lines : lines.filter((l) => l.lineId === bySerial.line_id)
        let chosen: { readonly line: OrderLine; readonly used: ReadonlySet<number> } | undefined
        for (const candidate of candidates) {
          const takenHere = yield* unitsTaken(candidate.lineId)
          const carried = freeUnits(candidate.quantity, takenHere).slice(0, onFormerLines)
          onFormerLines -= carried.length
          const used = new Set([...takenHere, ...carried])
          chosen ??= { line: candidate, used }
          if (bySerial !== undefined || firstFree(candidate.quantity, used) !== undefined) {
            chosen = { line: candidate, used }
            break
          }
        }
        if (chosen !== undefined) {
          const { line, used } = chosen
          lineId = line.lineId
          const serialIndex =
            bySerial === undefined
              ? -1
              : shipped.filter((s) => s.line_id === line.lineId && s.serial !== null).indexOf(bySerial)
          // A serialised unit keeps its number however often it is scanned, so a second grading of the same
          // unit meets the refund already decided for it instead of claiming another unit of the line.
          const free = firstFree(line.quantity, used)
          unit = serialIndex >= 0 ? serialIndex + 1 : (free ?? null)
          if (unit === null) flags.push("more-than-shipped")
        }
      }
      const itemRef = `${current.return_id}-${String(yield* nextNumber(`return-item:${current.return_id}`)).padStart(2, "0")}`
      yield* sql.execute(
        `INSERT INTO return_items (item_ref, return_id, line_id, unit, sku, gtin, serial, lot, flags)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          itemRef,
          current.return_id,
          lineId,
          unit,
          item?.sku ?? null,
          gtin ?? item?.gtin.padStart(14, "0") ?? beyond?.gtin14 ?? null,
          serial,
          lot,
          JSON.stringify(flags)
        ]
      )
    })

  /**
   * How the desk reads a scan: with no return open it expects the parcel's tracking number or return code, with one
   * open an item (SKUs and aliases of the station's catalog).
   */
  const identifyFor = (raw: string, current: ReturnRow | undefined) =>
    identifyWithCatalog(raw, {
      expect: current === undefined ? "tracking" : "any",
      ...(rmaHosts === undefined ? {} : { rmaHosts }),
      returnUrls
    }).pipe(Effect.provideService(Sql, sql))

  const identify = Effect.fn("ReturnsService.identify")(function* (raw: string) {
    return yield* identifyFor(raw, yield* openReturn)
  }, Effect.mapError(toReturnsError))

  const scan = Effect.fn("ReturnsService.scan")(function* (
    input: { readonly raw: string; readonly identified?: ScanResult } & WithAt
  ) {
    const operator = yield* clerk
    const at = yield* timeOf(input)
    const current = yield* openReturn
    const scanned = input.identified ?? (yield* identifyFor(input.raw, current))
    yield* sql.transaction<void, StoreError | ReturnsError, never>(
      current === undefined
        ? receive(input.raw, scanned, at, operator)
        : scanned.kind === "gtin" || scanned.kind === "gs1" || scanned.kind === "digital-link" || scanned.kind === "sku"
          ? addItem(current, scanned)
          : Effect.fail(
              returnsError(
                "return-open",
                `Return ${current.return_id} is still open: finish it before taking in another parcel (scanned ${scanned.kind})`
              )
            )
    )
    return yield* currentView
  }, Effect.mapError(toReturnsError))

  const finish = Effect.fn("ReturnsService.finish")(function* (input: WithAt) {
    yield* clerk
    const at = yield* timeOf(input)
    const current = yield* requireOpenReturn
    const open = yield* sql.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM return_items WHERE return_id = ? AND decision IS NULL",
      [current.return_id]
    )
    if (Number(open[0]?.n ?? 0) > 0) {
      return yield* Effect.fail(returnsError("not-decided", "Grade and decide every item before finishing"))
    }
    yield* sql.execute("UPDATE returns SET status = 'finished', finished_at_ms = ? WHERE return_id = ?", [
      at.wallMs,
      current.return_id
    ])
    return yield* currentView
  }, Effect.mapError(toReturnsError))

  const cancel = Effect.fn("ReturnsService.cancel")(function* (input: { readonly reason: string } & WithAt) {
    const operator = yield* clerk
    const at = yield* timeOf(input)
    const reason = input.reason.trim()
    if (reason === "") return yield* Effect.fail(returnsError("reason-required", "Say why the return is cancelled"))
    const current = yield* requireOpenReturn
    yield* sql.transaction<void, StoreError | ReturnsError, never>(
      Effect.gen(function* () {
        if (yield* refundDecidedIn(current.return_id)) {
          return yield* Effect.fail(
            returnsError(
              "return-refund-decided",
              `Return ${current.return_id} already has a refund decision: a manager overrides it instead`
            )
          )
        }
        const items = yield* sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM return_items WHERE return_id = ?", [
          current.return_id
        ])
        const received = yield* sql.query<{ id: string }>(
          "SELECT id FROM events WHERE type = 'return.received' AND json_extract(payload, '$.returnId') = ? ORDER BY seq DESC LIMIT 1",
          [current.return_id]
        )
        yield* sql.execute("UPDATE returns SET status = 'cancelled', finished_at_ms = ? WHERE return_id = ?", [
          at.wallMs,
          current.return_id
        ])
        yield* log.append(
          ReturnCancelled,
          {
            returnId: current.return_id,
            corrects: received[0]?.id ?? null,
            orderId: current.order_id,
            scanned: current.scanned,
            itemCount: Number(items[0]?.n ?? 0),
            reason
          },
          { eventTime: at, actor: actorOf(operator) }
        )
      })
    )
    return yield* currentView
  }, Effect.mapError(toReturnsError))

  return { identify, scan, finish, cancel }
}
