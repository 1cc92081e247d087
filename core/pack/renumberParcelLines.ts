/** Moves the units of an order's parcels onto its new lines when the shop numbered them anew over the same items. */
import { Effect } from "effect"
import { EventLog } from "../events/EventLog.ts"
import type { Order } from "../orders/Order.ts"
import { Sql } from "../store/Sql.ts"
import { ParcelLinesRenumbered } from "./PackEvents.ts"
import { packedLinesOf } from "./PackSession.ts"
import type { ParcelData } from "./ParcelRow.ts"
import type { PackedWithoutLabel } from "./PendingLabels.ts"
import { type LineMove, lineRenumbering, type PackedUnitRow, renumberedRows } from "./parcelLineRenumbering.ts"

interface ParcelItemRow extends PackedUnitRow {
  readonly sku: string
  readonly serial: string | null
  readonly lot: string | null
}

/**
 * Run in the inbox's transaction with the version's `order.received`, after it. Each parcel of the order that is not
 * voided (still here, or gone to the customer: its return comes later) and whose lines the version numbered anew
 * over the same items (`lineRenumbering`) has its units moved onto the new lines, and the move recorded:
 * - `parcel_items`, what the returns desk matches returned units and serials to and refunds by, names the new line
 *   of each unit (a row whose units land on two lines is split in two), so a return refunds the line of the shop's
 *   order as it is now, the one the hub finds in the shop's order to refund;
 * - `ParcelData.lines` becomes the new lines: the parcel's units are on them, and a later version is judged and
 *   renumbered against them;
 * - a parcel still waiting for its label has not recorded `parcel.packed` yet: the record it is made from when the
 *   label comes (`pending_labels.packed`) names the new lines (`renumberedPendingItems`), so that event, the one the
 *   hub fulfils the parcel at the shop by, names the lines the shop has. The hub learns of the parcel only from it and
 *   drops a `parcel.lines-renumbered` for a parcel it does not know yet;
 * - `parcel.lines-renumbered` records the move. The log is append-only: `parcel.packed` keeps the lines it was packed
 *   by, and this event is the correction a reader of the log (the hub's shop side) applies after it.
 * Moved when the version arrives, not worked out when a return comes: the move is made from the lines the units were
 * packed for, once, and written down, so a later version that changes the items again cannot move a unit to another
 * line. A parcel whose lines the version changed in items or numbers is not moved: it is held (`parcelHold`) and
 * voided, or, gone, keeps its lines. A parcel that does not know its lines (packed before parcels kept them) cannot be
 * moved either. Rows that do not fit the lines the parcel was packed for are left as they are, with a warning.
 */
export const renumberParcelLines = (order: Order) =>
  Effect.gen(function* () {
    const sql = yield* Sql
    const log = yield* EventLog
    const parcels = yield* sql.query<{ parcel_id: string; data: string }>(
      "SELECT parcel_id, data FROM parcels WHERE order_id = ? AND status <> 'voided' ORDER BY packed_at_ms, parcel_id",
      [order.orderId]
    )
    for (const parcel of parcels) {
      const packedFor = (JSON.parse(parcel.data) as ParcelData).lines
      if (packedFor === undefined) continue
      const moves = lineRenumbering(packedFor, order.lines)
      if (moves === undefined || moves.length === 0) continue
      const rows = yield* sql.query<ParcelItemRow>(
        "SELECT rowid, line_id, sku, quantity, serial, lot FROM parcel_items WHERE parcel_id = ? ORDER BY rowid",
        [parcel.parcel_id]
      )
      const renumbered = renumberedRows(
        rows.map((row) => ({ ...row, rowid: Number(row.rowid), quantity: Number(row.quantity) })),
        moves
      )
      if (renumbered === undefined) {
        yield* Effect.logWarning(
          `parcel ${parcel.parcel_id}: its packed units do not fit the lines it was packed for, so they stay on the lines of ${order.orderId} they were packed on, not the lines of version ${order.version}`
        )
        continue
      }
      const pending = yield* sql.query<{ packed: string }>("SELECT packed FROM pending_labels WHERE parcel_id = ?", [
        parcel.parcel_id
      ])
      if (pending[0] !== undefined) {
        const record = JSON.parse(pending[0].packed) as { readonly packed: PackedWithoutLabel }
        const packed = renumberedPendingItems(record.packed, rows, moves, order)
        if (packed === undefined) {
          yield* Effect.logWarning(
            `parcel ${parcel.parcel_id}: what it was packed with does not fit the lines it was packed for, so the parcel.packed recorded when its label comes names the lines it was packed on, not the lines of version ${order.version} of ${order.orderId}`
          )
        } else {
          yield* sql.execute(
            "UPDATE pending_labels SET packed = json_set(packed, '$.packed.items', json(?), '$.packed.shortShips', json(?)) WHERE parcel_id = ?",
            [JSON.stringify(packed.items), JSON.stringify(packed.shortShips), parcel.parcel_id]
          )
        }
      }
      const held = new Map<string, number>()
      for (const { rowid, pieces } of renumbered) {
        const row = rows.find((candidate) => Number(candidate.rowid) === rowid)!
        for (const [index, piece] of pieces.entries()) {
          held.set(piece.lineId, (held.get(piece.lineId) ?? 0) + piece.quantity)
          if (index === 0) {
            yield* sql.execute("UPDATE parcel_items SET line_id = ?, quantity = ? WHERE rowid = ?", [
              piece.lineId,
              piece.quantity,
              rowid
            ])
          } else {
            yield* sql.execute(
              "INSERT INTO parcel_items (parcel_id, line_id, sku, quantity, serial, lot) VALUES (?, ?, ?, ?, ?, ?)",
              [parcel.parcel_id, piece.lineId, row.sku, piece.quantity, row.serial, row.lot]
            )
          }
        }
      }
      yield* sql.execute("UPDATE parcels SET data = json_set(data, '$.lines', json(?)) WHERE parcel_id = ?", [
        JSON.stringify(order.lines),
        parcel.parcel_id
      ])
      yield* log.append(ParcelLinesRenumbered, {
        orderId: order.orderId,
        parcelId: parcel.parcel_id,
        orderVersion: order.version,
        moves,
        items: order.lines.flatMap((line) => {
          const quantity = held.get(line.lineId) ?? 0
          return quantity === 0 ? [] : [{ lineId: line.lineId, sku: line.sku, quantity }]
        })
      })
    }
  })

/**
 * The items and short-ships of a parcel waiting for its label, on the new lines: its units as `parcel_items` move
 * (`renumberedRows`: serials and lots stay with their units, a row split over two lines gives each its units), each
 * line's short-shipped units after its packed ones (they are the units the packer did not get to), and the items said
 * as at packing (`packedLinesOf`; an item's GTIN is the one it was packed with). Undefined when they do not fit the
 * moves.
 */
const renumberedPendingItems = (
  packed: Pick<PackedWithoutLabel, "items" | "shortShips">,
  rows: ReadonlyArray<ParcelItemRow>,
  moves: ReadonlyArray<LineMove>,
  order: Order
): Pick<PackedWithoutLabel, "items" | "shortShips"> | undefined => {
  const units = rows.map((row) => ({ ...row, rowid: Number(row.rowid), quantity: Number(row.quantity) }))
  const after = Math.max(0, ...units.map((unit) => unit.rowid)) + 1
  const shortRows = packed.shortShips.map((short, index) => ({
    rowid: after + index,
    line_id: short.lineId,
    quantity: short.quantity
  }))
  const moved = renumberedRows([...units, ...shortRows], moves)
  const gtins = new Map(packed.items.map((item) => [item.sku, item.gtin]))
  if (moved === undefined || units.some((unit) => !gtins.has(unit.sku))) return undefined
  const pieces = new Map(moved.map(({ rowid, pieces }) => [rowid, pieces]))
  const unitsMoved = units.flatMap((unit) =>
    pieces.get(unit.rowid)!.map((piece) => ({
      lineId: piece.lineId,
      quantity: piece.quantity,
      ...(unit.serial === null ? {} : { serial: unit.serial }),
      ...(unit.lot === null ? {} : { lot: unit.lot })
    }))
  )
  const shortShips = packed.shortShips.flatMap((short, index) =>
    pieces
      .get(after + index)!
      .map((piece) => ({ lineId: piece.lineId, quantity: piece.quantity, reason: short.reason }))
  )
  const lines = order.lines.flatMap((line) => {
    const gtin = gtins.get(line.sku)
    return gtin === undefined ? [] : [{ lineId: line.lineId, sku: line.sku, gtin }]
  })
  return {
    items: packedLinesOf(lines, unitsMoved, shortShips).filter((line) => line.quantity > 0),
    shortShips
  }
}
