/** The pure pack state machine: what each scan, quantity, box and weight does to the session in progress. */
import { isPlausibleWholeGrams } from "../bounds/Bounds.ts"
import type { CatalogItem } from "../catalog/CatalogItem.ts"
import type { CatalogItemBeyondBounds } from "../catalog/CatalogLookup.ts"
import type { Order } from "../orders/Order.ts"
import type { ScanResult } from "../scan/ScanResult.ts"
import type { Role } from "../session/Operator.ts"
import type { Box } from "./Box.ts"
import { makeRefusal, type Refusal } from "./PackRefusal.ts"

export type PackStep = "idle" | "order-open" | "all-verified" | "parcel" | "labelled" | "packed"

/** One accepted item scan; `quantity` is 1 unless the packer typed how many identical units the scan stands for. */
export interface Verification {
  readonly lineId: string
  readonly sku: string
  readonly quantity: number
  readonly raw: string
  readonly serial?: string
  readonly lot?: string
}

export interface PackLine {
  readonly lineId: string
  readonly item: CatalogItem
  readonly quantity: number
}

export interface ShortShip {
  readonly lineId: string
  readonly quantity: number
  readonly reason: string
  readonly badgeId: string
}

export interface WeightReading {
  readonly grams: number
  readonly source: "typed" | "scale"
  readonly expectedGrams: number
  readonly toleranceGrams: number
}

/**
 * The pack bench's state for one order: which order is open, what was verified (every scan kept, so undo is exact),
 * which lines a manager short-shipped, the box and the checked weight. Immutable: every input gives a new session.
 */
export interface PackSession {
  readonly step: PackStep
  readonly order?: Order
  readonly lines: ReadonlyArray<PackLine>
  readonly verifications: ReadonlyArray<Verification>
  readonly shortShips: ReadonlyArray<ShortShip>
  readonly box?: Box
  readonly weight?: WeightReading
  readonly parcel?: { readonly parcelId: string; readonly trackingNumber: string }
}

export type PackOutcome =
  | { readonly ok: true; readonly session: PackSession }
  | { readonly ok: false; readonly session: PackSession; readonly refusal: Refusal }

/** What the machine may ask about the world; the service answers from the station database. */
export interface PackLookup {
  readonly order: (orderId: string) => Order | undefined
  readonly toteOrder: (toteId: string) => string | undefined
  readonly itemBySku: (sku: string) => CatalogItem | undefined
  readonly itemByGtin: (gtin14: string) => CatalogItem | undefined
  /** An item stored beyond today's bounds, which `itemBySku` does not give: refused in words naming its fields. */
  readonly beyondBoundsBySku: (sku: string) => CatalogItemBeyondBounds | undefined
  readonly beyondBoundsByGtin: (gtin14: string) => CatalogItemBeyondBounds | undefined
  /** Open orders (any but the one being packed) with a line for this SKU. */
  readonly openOrdersWanting: (sku: string) => ReadonlyArray<string>
  /** True when this serial of this SKU already left in an earlier parcel. */
  readonly serialPacked: (sku: string, serial: string) => boolean
  readonly boxes: ReadonlyArray<Box>
}

export const idleSession: PackSession = { step: "idle", lines: [], verifications: [], shortShips: [] }

const refuse = (session: PackSession, refusal: Refusal): PackOutcome => ({ ok: false, session, refusal })

/**
 * Why a scan could not be used, in words the UI has in each language for the two a packer meets most (no code at all,
 * a misread GTIN); the rarer ones keep the identifier's English detail.
 */
const unreadable = (scan: Exclude<ScanResult, { readonly kind: "sku" }>): Refusal =>
  scan.kind === "unknown"
    ? makeRefusal("scan-unreadable", "notACode", {})
    : scan.kind === "gtin"
      ? makeRefusal("scan-unreadable", "checkDigit", { gtin: scan.gtin })
      : scan.reason === undefined
        ? makeRefusal("scan-unreadable", "reason", {})
        : makeRefusal("scan-unreadable", "detail", { detail: scan.reason })

const accept = (session: PackSession): PackOutcome => ({ ok: true, session })

export const verifiedQuantity = (session: PackSession, lineId: string): number =>
  session.verifications.reduce((sum, v) => (v.lineId === lineId ? sum + v.quantity : sum), 0)

export const shortShippedQuantity = (session: PackSession, lineId: string): number =>
  session.shortShips.reduce((sum, s) => (s.lineId === lineId ? sum + s.quantity : sum), 0)

export const remainingQuantity = (session: PackSession, line: PackLine): number =>
  line.quantity - verifiedQuantity(session, line.lineId) - shortShippedQuantity(session, line.lineId)

/** Items plus the box's tare: what the scale should read. */
export const expectedWeightGrams = (session: PackSession): number =>
  session.lines.reduce((sum, line) => sum + line.item.weightGrams * verifiedQuantity(session, line.lineId), 0) +
  (session.box?.tareGrams ?? 0)

/** Product weights in the catalog are nominal and boxes vary: 5 % or 50 g, whichever is more. */
export const weightToleranceGrams = (expectedGrams: number): number => Math.max(Math.round(expectedGrams * 0.05), 50)

/** The step that follows from the lines and the box; changing what is in the parcel always voids the weight. */
const settle = (session: PackSession): PackSession => {
  const { weight: _weight, ...rest } = session
  const allDone = session.lines.every((line) => remainingQuantity(session, line) === 0)
  return { ...rest, step: !allDone ? "order-open" : session.box === undefined ? "all-verified" : "parcel" }
}

const orderRefusal = (session: PackSession, order: Order): PackOutcome | undefined => {
  switch (order.status) {
    case "open":
      return undefined
    case "cancelled":
      return refuse(session, makeRefusal("order-cancelled", "reason", { orderId: order.orderId }))
    case "on-hold":
      return refuse(session, makeRefusal("order-on-hold", "reason", { orderId: order.orderId }))
    case "address-hold":
      return refuse(session, makeRefusal("order-address-hold", "reason", { orderId: order.orderId }))
    case "packed":
    case "shipped":
      return refuse(
        session,
        makeRefusal("order-already-packed", "reason", { orderId: order.orderId, orderStatus: order.status })
      )
  }
}

const openOrder = (session: PackSession, orderId: string, lookup: PackLookup): PackOutcome => {
  if (session.step !== "idle" && session.step !== "packed") {
    const current = session.order?.orderId ?? ""
    return refuse(
      session,
      current === orderId
        ? makeRefusal("order-already-open", "reason", { orderId })
        : makeRefusal("order-in-progress", "reason", { current, orderId })
    )
  }
  const order = lookup.order(orderId)
  if (order === undefined) return refuse(session, makeRefusal("order-unknown", "station", { orderId }))
  const refused = orderRefusal(session, order)
  if (refused !== undefined) return refused
  const lines: Array<PackLine> = []
  for (const line of order.lines) {
    const item = lookup.itemBySku(line.sku)
    if (item === undefined) {
      const beyond = lookup.beyondBoundsBySku(line.sku)
      return refuse(
        session,
        beyond === undefined
          ? makeRefusal("item-unknown", "orderLine", { orderId, sku: line.sku })
          : makeRefusal("item-beyond-bounds", "orderLine", { orderId, sku: line.sku, fields: beyond.fields.join(", ") })
      )
    }
    lines.push({ lineId: line.lineId, item, quantity: line.quantity })
  }
  return accept({ step: "order-open", order, lines, verifications: [], shortShips: [] })
}

interface ScannedItem {
  readonly item: CatalogItem
  readonly serial?: string
  readonly lot?: string
}

/** A scanned item the catalog has only beyond today's bounds, refused naming it and its fields; else `unknown`. */
const notUsable = (beyond: CatalogItemBeyondBounds | undefined, unknown: Refusal): Refusal =>
  beyond === undefined
    ? unknown
    : makeRefusal("item-beyond-bounds", "scan", { sku: beyond.sku, fields: beyond.fields.join(", ") })

const scannedItem = (scan: ScanResult, lookup: PackLookup): ScannedItem | Refusal => {
  if (scan.kind === "gtin") {
    const item = lookup.itemByGtin(scan.gtin)
    return item === undefined
      ? notUsable(lookup.beyondBoundsByGtin(scan.gtin), makeRefusal("item-unknown", "gtin", { gtin: scan.gtin }))
      : { item }
  }
  if (scan.kind === "sku") {
    const item = lookup.itemBySku(scan.sku)
    return item === undefined
      ? notUsable(lookup.beyondBoundsBySku(scan.sku), makeRefusal("item-unknown", "sku", { sku: scan.sku }))
      : { item }
  }
  if (scan.kind === "gs1" || scan.kind === "digital-link") {
    const gtin = scan.ais.find((element) => element.ai === "01")?.value
    if (gtin === undefined) return makeRefusal("item-unknown", "noGtin", {})
    const item = lookup.itemByGtin(gtin)
    if (item === undefined) {
      return notUsable(lookup.beyondBoundsByGtin(gtin), makeRefusal("item-unknown", "gtin", { gtin }))
    }
    const serial = scan.ais.find((element) => element.ai === "21")?.value
    const lot = scan.ais.find((element) => element.ai === "10")?.value
    return { item, ...(serial === undefined ? {} : { serial }), ...(lot === undefined ? {} : { lot }) }
  }
  return makeRefusal("item-unknown", "notItem", { kind: scan.kind })
}

const verifyItem = (session: PackSession, scan: ScanResult, lookup: PackLookup): PackOutcome => {
  const order = session.order!
  const found = scannedItem(scan, lookup)
  if ("code" in found) return refuse(session, found)
  const { item, serial, lot } = found
  const lines = session.lines.filter((line) => line.item.sku === item.sku)
  if (lines.length === 0) {
    const other = lookup.openOrdersWanting(item.sku).find((orderId) => orderId !== order.orderId)
    return other === undefined
      ? refuse(session, makeRefusal("wrong-item", "reason", { name: item.name, sku: item.sku, orderId: order.orderId }))
      : refuse(
          session,
          makeRefusal(
            "other-order-item",
            "reason",
            { name: item.name, sku: item.sku, otherOrderId: other, orderId: order.orderId },
            other
          )
        )
  }
  const line = lines.find((candidate) => remainingQuantity(session, candidate) > 0)
  if (line === undefined) {
    const wanted = lines.reduce((sum, candidate) => sum + candidate.quantity, 0)
    return refuse(session, makeRefusal("surplus", "order", { orderId: order.orderId, wanted, sku: item.sku }))
  }
  if (item.requiresSerial && serial === undefined) {
    return refuse(session, makeRefusal("serial-missing", "reason", { sku: item.sku }))
  }
  if (item.requiresLot && lot === undefined) {
    return refuse(session, makeRefusal("lot-missing", "reason", { sku: item.sku }))
  }
  if (
    serial !== undefined &&
    (session.verifications.some((v) => v.sku === item.sku && v.serial === serial) ||
      lookup.serialPacked(item.sku, serial))
  ) {
    return refuse(session, makeRefusal("duplicate-serial", "reason", { serial, sku: item.sku }))
  }
  const verification: Verification = {
    lineId: line.lineId,
    sku: item.sku,
    quantity: 1,
    raw: scan.input,
    ...(serial === undefined ? {} : { serial }),
    ...(lot === undefined ? {} : { lot })
  }
  return accept(settle({ ...session, verifications: [...session.verifications, verification] }))
}

const chooseBoxNamed = (session: PackSession, box: Box | undefined, asked: string): PackOutcome => {
  if (session.step !== "all-verified" && session.step !== "parcel") {
    return refuse(session, makeRefusal("not-all-verified", "box", {}))
  }
  if (box === undefined) return refuse(session, makeRefusal("box-unknown", "reason", { box: asked }))
  if (session.verifications.length === 0) {
    return refuse(session, makeRefusal("parcel-empty", "reason", {}))
  }
  return accept(settle({ ...session, box }))
}

const closedRefusal = (session: PackSession): PackOutcome | undefined =>
  session.step === "labelled"
    ? refuse(session, makeRefusal("parcel-closed", "reason", {}))
    : session.step === "idle" || session.step === "packed"
      ? refuse(session, makeRefusal("no-order-open", "reason", {}))
      : undefined

/**
 * Applies one identified scan: an order code (pick slip, tote or typed order id) when idle, a box barcode once
 * everything is verified, an item otherwise.
 */
export const applyScan = (session: PackSession, scan: ScanResult, lookup: PackLookup): PackOutcome => {
  if (scan.kind === "packbench" && (scan.type === "order" || scan.type === "tote")) {
    if (!scan.valid) return refuse(session, unreadable(scan))
    if (scan.type === "order") return openOrder(session, scan.id, lookup)
    const orderId = lookup.toteOrder(scan.id)
    return orderId === undefined
      ? refuse(session, makeRefusal("order-unknown", "tote", { toteId: scan.id }))
      : openOrder(session, orderId, lookup)
  }
  const text = scan.input.trim().toUpperCase()
  const box = lookup.boxes.find((candidate) => candidate.barcode.toUpperCase() === text)
  if (box !== undefined) return closedRefusal(session) ?? chooseBoxNamed(session, box, text)
  const idle = session.step === "idle" || session.step === "packed"
  if (lookup.order(text) !== undefined || (idle && scan.kind === "unknown")) return openOrder(session, text, lookup)
  const closed = closedRefusal(session)
  if (closed !== undefined) return closed
  if (!scan.valid) return refuse(session, unreadable(scan))
  return verifyItem(session, scan, lookup)
}

/** "Scan once, type 12": the last scan stands for `total` identical units. */
export const setQuantity = (session: PackSession, total: number): PackOutcome => {
  const closed = closedRefusal(session)
  if (closed !== undefined) return closed
  const last = session.verifications.at(-1)
  if (last === undefined) return refuse(session, makeRefusal("nothing-to-count", "reason", {}))
  if (!Number.isInteger(total) || total < 1) {
    return refuse(session, makeRefusal("quantity-invalid", "reason", { total }))
  }
  const line = session.lines.find((candidate) => candidate.lineId === last.lineId)!
  if (last.serial !== undefined || line.item.requiresSerial) {
    return refuse(session, makeRefusal("quantity-needs-scans", "reason", { sku: line.item.sku }))
  }
  const room = remainingQuantity(session, line) + last.quantity
  if (total > room) {
    return refuse(session, makeRefusal("surplus", "line", { lineId: line.lineId, sku: line.item.sku, room, total }))
  }
  const verifications = [...session.verifications.slice(0, -1), { ...last, quantity: total }]
  return accept(settle({ ...session, verifications }))
}

export const undoLastScan = (session: PackSession): PackOutcome => {
  const closed = closedRefusal(session)
  if (closed !== undefined) return closed
  if (session.verifications.length === 0) return refuse(session, makeRefusal("nothing-to-undo", "reason", {}))
  return accept(settle({ ...session, verifications: session.verifications.slice(0, -1) }))
}

/** A manager decides that the rest of a line ships later (out of stock, damaged); the reason goes on record. */
export const shortShip = (
  session: PackSession,
  request: { readonly lineId: string; readonly reason: string; readonly operator: { badgeId: string; role: Role } }
): PackOutcome => {
  const closed = closedRefusal(session)
  if (closed !== undefined) return closed
  if (request.operator.role !== "manager") {
    return refuse(session, makeRefusal("manager-required", "reason", {}))
  }
  const line = session.lines.find((candidate) => candidate.lineId === request.lineId)
  if (line === undefined) return refuse(session, makeRefusal("line-unknown", "reason", { lineId: request.lineId }))
  if (request.reason.trim() === "") return refuse(session, makeRefusal("reason-required", "reason", {}))
  const quantity = remainingQuantity(session, line)
  if (quantity === 0) return refuse(session, makeRefusal("line-complete", "reason", { lineId: line.lineId }))
  const entry: ShortShip = {
    lineId: line.lineId,
    quantity,
    reason: request.reason.trim(),
    badgeId: request.operator.badgeId
  }
  return accept(settle({ ...session, shortShips: [...session.shortShips, entry] }))
}

export const chooseBox = (session: PackSession, boxId: string, boxes: ReadonlyArray<Box>): PackOutcome =>
  closedRefusal(session) ??
  chooseBoxNamed(
    session,
    boxes.find((box) => box.boxId === boxId),
    boxId
  )

/** The parcel's weight, typed or read from the scale, must match items plus box within the tolerance. */
export const enterWeight = (session: PackSession, grams: number, source: "typed" | "scale"): PackOutcome => {
  const closed = closedRefusal(session)
  if (closed !== undefined) return closed
  if (session.step === "order-open") return refuse(session, makeRefusal("not-all-verified", "weight", {}))
  if (session.box === undefined) return refuse(session, makeRefusal("no-box", "weight", {}))
  if (!Number.isFinite(grams) || grams <= 0) return refuse(session, makeRefusal("weight-invalid", "reason", { grams }))
  // An item or box stored by an older version with a weight no item or box has (see StoredCatalogItem, StoredBox)
  // leaves the parcel's weight unknown. Refused, naming the item: compared with a sum of petagrams, every weight
  // would be "out of tolerance" without saying why, and skipping the check would let a parcel short of an item through.
  const unknownWeight = session.lines.find(
    (line) => verifiedQuantity(session, line.lineId) > 0 && !isPlausibleWholeGrams(line.item.weightGrams)
  )
  if (unknownWeight !== undefined) {
    return refuse(
      session,
      makeRefusal("weight-unknown", "item", {
        sku: unknownWeight.item.sku,
        itemGrams: unknownWeight.item.weightGrams
      })
    )
  }
  if (!isPlausibleWholeGrams(session.box.tareGrams) || !isPlausibleWholeGrams(session.box.maxWeightGrams)) {
    const { boxId, tareGrams, maxWeightGrams: maxGrams } = session.box
    return refuse(session, makeRefusal("weight-unknown", "box", { boxId, tareGrams, maxGrams }))
  }
  const expectedGrams = expectedWeightGrams(session)
  const toleranceGrams = weightToleranceGrams(expectedGrams)
  if (Math.abs(grams - expectedGrams) > toleranceGrams) {
    return refuse(session, makeRefusal("weight-out-of-tolerance", "reason", { grams, expectedGrams, toleranceGrams }))
  }
  if (grams > session.box.maxWeightGrams) {
    return refuse(
      session,
      makeRefusal("box-overweight", "reason", {
        grams,
        boxId: session.box.boxId,
        maxGrams: session.box.maxWeightGrams
      })
    )
  }
  return accept({ ...session, weight: { grams: Math.round(grams), source, expectedGrams, toleranceGrams } })
}

/** Ready for the label: everything verified or short-shipped, a box, a weight that checked out. */
export const readyToComplete = (session: PackSession): PackOutcome => {
  const closed = closedRefusal(session)
  if (closed !== undefined) return closed
  if (session.step === "order-open") {
    // Named, so the packer knows what is still to scan: the count of every unit left and the first line with some.
    const left = session.lines.filter((line) => remainingQuantity(session, line) > 0)
    const first = left[0]
    if (first !== undefined) {
      const units = left.reduce((sum, line) => sum + remainingQuantity(session, line), 0)
      return refuse(
        session,
        makeRefusal("not-all-verified", "label", { units, name: first.item.name, sku: first.item.sku })
      )
    }
  }
  if (session.box === undefined) return refuse(session, makeRefusal("no-box", "label", {}))
  if (session.weight === undefined) return refuse(session, makeRefusal("no-weight", "reason", {}))
  return accept(session)
}

export const markLabelled = (session: PackSession, parcel: { parcelId: string; trackingNumber: string }) =>
  ({ ...session, step: "labelled", parcel }) satisfies PackSession

export const markPacked = (session: PackSession): PackSession => ({ ...session, step: "packed" })

export interface PackedLine {
  readonly lineId: string
  readonly sku: string
  readonly gtin: string
  readonly quantity: number
  readonly shortShipped: number
  readonly serials: ReadonlyArray<string>
  readonly lots: ReadonlyArray<{ readonly lot: string; readonly quantity: number }>
}

/** A line as a parcel's items name it: its id, its item and the item's GTIN. */
export interface PackedLineItem {
  readonly lineId: string
  readonly sku: string
  readonly gtin: string
}

/**
 * What went into a parcel, line by line, with every serial and the quantity of each lot, from the units packed on
 * each line (in the order they were scanned) and the units short-shipped. At packing from the session's scans
 * (`packedLines`), and again when the shop numbers the lines anew before the parcel's `parcel.packed` is recorded
 * (`renumberParcelLines`), so that both say the items the same way.
 */
export const packedLinesOf = (
  lines: ReadonlyArray<PackedLineItem>,
  units: ReadonlyArray<Pick<Verification, "lineId" | "quantity" | "serial" | "lot">>,
  shortShips: ReadonlyArray<Pick<ShortShip, "lineId" | "quantity">>
): ReadonlyArray<PackedLine> =>
  lines.map((line) => {
    const scans = units.filter((unit) => unit.lineId === line.lineId)
    const lots = new Map<string, number>()
    for (const scan of scans) if (scan.lot !== undefined) lots.set(scan.lot, (lots.get(scan.lot) ?? 0) + scan.quantity)
    return {
      lineId: line.lineId,
      sku: line.sku,
      gtin: line.gtin.padStart(14, "0"),
      quantity: scans.reduce((sum, scan) => sum + scan.quantity, 0),
      shortShipped: shortShips.reduce((sum, s) => (s.lineId === line.lineId ? sum + s.quantity : sum), 0),
      serials: scans.flatMap((scan) => (scan.serial === undefined ? [] : [scan.serial])),
      lots: [...lots].map(([lot, quantity]) => ({ lot, quantity }))
    }
  })

/** What went into the session's parcel, line by line (`packedLinesOf`). */
export const packedLines = (session: PackSession): ReadonlyArray<PackedLine> =>
  packedLinesOf(
    session.lines.map((line) => ({ lineId: line.lineId, sku: line.item.sku, gtin: line.item.gtin })),
    session.verifications,
    session.shortShips
  )
