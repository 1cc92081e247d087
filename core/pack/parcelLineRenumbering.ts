/**
 * What a parcel carries, item by item, and how its units move onto an order's lines when the shop numbers the lines
 * anew over the same items (Shopware's order edit gives every line a new id; an edit of an e-mail or a price may too).
 */
import type { OrderLine } from "../orders/Order.ts"

/** The order lines a parcel is judged and renumbered by: their id, item and number. */
export type CountedLine = Pick<OrderLine, "lineId" | "sku" | "quantity">

/** Units of one old line that count on one new line from now on. */
export interface LineMove {
  readonly fromLineId: string
  readonly toLineId: string
  readonly sku: string
  readonly quantity: number
}

/** A row of `parcel_items`: units of one line packed with one scan (a serialised unit is a row of its own). */
export interface PackedUnitRow {
  readonly rowid: number
  readonly line_id: string
  readonly quantity: number
}

/** What lines ask for, item by item (SKU → total quantity): how the lines split an item changes nothing packed. */
const itemsOf = (lines: ReadonlyArray<CountedLine>): ReadonlyMap<string, number> => {
  const items = new Map<string, number>()
  for (const line of lines) items.set(line.sku, (items.get(line.sku) ?? 0) + line.quantity)
  return items
}

/** Whether two versions of an order's lines ask for the same items in the same numbers, however their lines split them. */
export const sameItems = (a: ReadonlyArray<CountedLine>, b: ReadonlyArray<CountedLine>): boolean => {
  const [left, right] = [itemsOf(a), itemsOf(b)]
  return left.size === right.size && [...left].every(([sku, quantity]) => right.get(sku) === quantity)
}

const hasDuplicateIds = (lines: ReadonlyArray<CountedLine>) =>
  new Set(lines.map((line) => line.lineId)).size !== lines.length

/**
 * How the units of `packedFor` (the lines a parcel was packed for) count on `current` (the order's lines now), or
 * undefined when no renumbering can say it: the two ask for other items or numbers, or either has two lines under one
 * id (a unit on such a line could not be told which line it returns or refunds against). Empty when every line kept
 * its id, item and number.
 *
 * Deterministic whatever the shop's ids: per item, the units are laid out line after line in the order the shop lists
 * the lines, on both sides, and the n-th unit of the old list counts on the line holding the n-th unit of the new one.
 * So an item split over two lines, or two lines merged into one, moves the first units packed to the first line.
 */
export const lineRenumbering = (
  packedFor: ReadonlyArray<CountedLine>,
  current: ReadonlyArray<CountedLine>
): ReadonlyArray<LineMove> | undefined => {
  if (!sameItems(packedFor, current) || hasDuplicateIds(packedFor) || hasDuplicateIds(current)) return undefined
  const moves: Array<LineMove> = []
  const taken = new Map<string, number>()
  for (const from of packedFor) {
    let left = from.quantity
    const targets = current.filter((line) => line.sku === from.sku)
    for (const to of targets) {
      if (left === 0) break
      const free = to.quantity - (taken.get(to.lineId) ?? 0)
      const quantity = Math.min(free, left)
      if (quantity <= 0) continue
      taken.set(to.lineId, (taken.get(to.lineId) ?? 0) + quantity)
      left -= quantity
      moves.push({ fromLineId: from.lineId, toLineId: to.lineId, sku: from.sku, quantity })
    }
  }
  return moves.every((move) => move.fromLineId === move.toLineId) ? [] : moves
}

/**
 * The new line of each packed row's units, by `moves`, in pieces where one row's units land on two lines; undefined
 * when the rows do not fit the lines the moves were made from (units on a line the parcel was not packed for, or more
 * than the line asked for). A line's rows are its units in packing order (`rowid`): its first units take its first
 * moves, as the returns desk numbers a line's units in the same order.
 */
export const renumberedRows = (
  rows: ReadonlyArray<PackedUnitRow>,
  moves: ReadonlyArray<LineMove>
):
  | ReadonlyArray<{ readonly rowid: number; readonly pieces: ReadonlyArray<{ lineId: string; quantity: number }> }>
  | undefined => {
  const queues = new Map<string, Array<{ lineId: string; quantity: number }>>()
  for (const move of moves) {
    const queue = queues.get(move.fromLineId) ?? []
    queue.push({ lineId: move.toLineId, quantity: move.quantity })
    queues.set(move.fromLineId, queue)
  }
  const result: Array<{ rowid: number; pieces: Array<{ lineId: string; quantity: number }> }> = []
  for (const row of [...rows].sort((a, b) => a.rowid - b.rowid)) {
    const queue = queues.get(row.line_id)
    if (queue === undefined || !Number.isInteger(row.quantity) || row.quantity < 1) return undefined
    const pieces: Array<{ lineId: string; quantity: number }> = []
    let left = row.quantity
    while (left > 0) {
      const head = queue[0]
      if (head === undefined) return undefined
      const quantity = Math.min(head.quantity, left)
      const last = pieces[pieces.length - 1]
      if (last !== undefined && last.lineId === head.lineId) last.quantity += quantity
      else pieces.push({ lineId: head.lineId, quantity })
      left -= quantity
      head.quantity -= quantity
      if (head.quantity === 0) queue.shift()
    }
    result.push({ rowid: row.rowid, pieces })
  }
  return result
}
