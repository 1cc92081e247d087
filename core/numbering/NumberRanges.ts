/** Issuing tracking numbers and SSCC serials from this station's own block of a shared number range. */
import { Effect, Schema } from "effect"
import { Sql } from "../store/Sql.ts"
import { NumberReservations } from "./NumberReservations.ts"

/**
 * Every number a station prints on a parcel (a carrier's tracking number, the SSCC's serial reference) comes from a
 * range that the carrier or GS1 allocated to the shipper, shared by every station of the fleet. Each station takes
 * only its own block of it: the range is cut into `of` equal blocks and the station issues from block `index` (its
 * numbering slot, `numbering.stationIndex`), so two stations can never issue the same number, offline for days,
 * without asking anyone. Numbers of a block are handed out in order and only below a reservation written outside the
 * database first, so a database restored from a backup skips what was reserved since and never issues a number twice.
 */

/** Which of `of` equal blocks of every range this station issues from. */
export interface NumberSlot {
  readonly index: number
  readonly of: number
}

/** The whole range to one station: a fleet of one, as a station with no `numbering` settings is. */
export const soleSlot: NumberSlot = { index: 0, of: 1 }

/** Largest number of slots a range is cut into: far more stations than a fleet has, few enough to leave blocks. */
export const MAX_SLOTS = 1000

/** Numbers reserved ahead per durable write: at most this many are skipped after a restore or a crash. */
export const RESERVE_AHEAD = 20

export const NumberRangeFailure = Schema.Literals(["no-range", "exhausted", "bad-plan", "store"])

export class NumberRangeError extends Schema.TaggedError<NumberRangeError>()("NumberRangeError", {
  name: Schema.String,
  reason: NumberRangeFailure,
  message: Schema.String
}) {}

export interface NumberBlock {
  readonly start: number
  readonly end: number
}

/** Block `slot.index` of `range` ([start, end)): equal blocks, the rest of an uneven division left unused. */
export const blockOf = (range: NumberBlock, slot: NumberSlot): NumberBlock | string => {
  if (!Number.isSafeInteger(range.start) || !Number.isSafeInteger(range.end) || range.start < 0) {
    return `${range.start}-${range.end} is not a range of whole numbers`
  }
  if (range.end <= range.start) return `the range ${range.start}-${range.end} is empty`
  if (!Number.isInteger(slot.of) || slot.of < 1 || slot.of > MAX_SLOTS) {
    return `numbering.stations must be a whole number from 1 to ${MAX_SLOTS}, not ${slot.of}`
  }
  if (!Number.isInteger(slot.index) || slot.index < 0 || slot.index >= slot.of) {
    return `numbering.stationIndex must be a whole number from 0 to ${slot.of - 1}, not ${slot.index}`
  }
  const size = Math.floor((range.end - range.start) / slot.of)
  if (size < 1) return `the range ${range.start}-${range.end} has fewer numbers than ${slot.of} stations`
  const start = range.start + slot.index * size
  return { start, end: start + size }
}

interface RangeRow {
  readonly name: string
  readonly range_start: number
  readonly range_end: number
  readonly slot: number
  readonly slots: number
  readonly block_start: number
  readonly block_end: number
  readonly next: number
  readonly reserved_to: number
}

const storeFailure = (name: string) => (error: { readonly reason: string; readonly message: string }) =>
  new NumberRangeError({ name, reason: "store", message: `${error.reason}: ${error.message}` })

/** What `planRange` changed, for the start-up log. */
export interface RangePlan {
  readonly name: string
  readonly block: NumberBlock
  readonly next: number
  /** Numbers skipped because they were reserved outside a database that does not know them (a restore). */
  readonly skipped?: NumberBlock
}

/**
 * Gives this station its block of `range` for `name` and makes the row agree with the reservations kept outside the
 * database. Run at every start: idempotent for an unchanged plan; a changed slot or range moves the station to its new
 * block (numbers it issued before are never in another station's block as long as slots are unique); `floor` is the
 * first number not yet used by an older counter the range replaces.
 */
export const planRange = Effect.fn("NumberRanges.plan")(function* (
  name: string,
  range: NumberBlock,
  slot: NumberSlot,
  floor?: number
) {
  const sql = yield* Sql
  const reservations = yield* NumberReservations
  const block = blockOf(range, slot)
  if (typeof block === "string") return yield* new NumberRangeError({ name, reason: "bad-plan", message: block })
  const marks = yield* reservations.read.pipe(Effect.mapError(storeFailure(name)))
  return yield* sql
    .transaction(
      Effect.gen(function* () {
        const rows = yield* sql.query<RangeRow>("SELECT * FROM number_ranges WHERE name = ?", [name])
        const row = rows[0]
        const inBlock = (n: number | undefined): n is number => n !== undefined && n >= block.start && n <= block.end
        // Numbers this station already issued ([its block's start, next)) are never issued again, whatever the plan.
        const issuedTo = row === undefined ? undefined : Number(row.next)
        if (
          row !== undefined &&
          issuedTo! > block.start &&
          Number(row.block_start) < block.end &&
          issuedTo! >= block.end
        ) {
          return yield* new NumberRangeError({
            name,
            reason: "bad-plan",
            message: `${name}: this station already issued numbers up to ${issuedTo! - 1}, past the new block ${block.start}-${block.end - 1}`
          })
        }
        const overlapsIssued = row !== undefined && issuedTo! > block.start && Number(row.block_start) < block.end
        const continued = Math.max(
          block.start,
          ...(overlapsIssued ? [issuedTo!] : []),
          ...(inBlock(floor) ? [floor] : [])
        )
        // The database reserved up to here itself; a reservation outside it that goes further is one it does not
        // know: the database is older than numbers already handed out (restored from a backup, or a crash between
        // the two writes), so the station skips to it.
        const known =
          row !== undefined && overlapsIssued && inBlock(Number(row.reserved_to)) ? Number(row.reserved_to) : continued
        const mark = marks[name]
        const restored = inBlock(mark) && mark > Math.max(known, continued)
        const next = restored ? mark : continued
        const reservedTo = restored ? mark : Math.max(next, known)
        const plan: RangePlan = {
          name,
          block,
          next,
          ...(restored ? { skipped: { start: continued, end: next } } : {})
        }
        yield* sql.execute(
          `INSERT INTO number_ranges (name, range_start, range_end, slot, slots, block_start, block_end, next, reserved_to)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET range_start = excluded.range_start, range_end = excluded.range_end,
             slot = excluded.slot, slots = excluded.slots, block_start = excluded.block_start,
             block_end = excluded.block_end, next = excluded.next, reserved_to = excluded.reserved_to`,
          [name, range.start, range.end, slot.index, slot.of, block.start, block.end, next, reservedTo]
        )
        return plan
      })
    )
    .pipe(Effect.catchTag("StoreError", (error) => Effect.fail(storeFailure(name)(error))))
})

/**
 * Every range this station has, planned anew for `slot` over the site range it keeps: a station whose slot changed
 * moves all its ranges, and each one catches up with the reservations kept outside the database.
 */
export const replanAll = Effect.fn("NumberRanges.replanAll")(function* (slot: NumberSlot) {
  const sql = yield* Sql
  const rows = yield* sql
    .query<RangeRow>("SELECT * FROM number_ranges ORDER BY name")
    .pipe(Effect.mapError(storeFailure("*")))
  const plans: Array<RangePlan> = []
  for (const row of rows) {
    plans.push(yield* planRange(row.name, { start: Number(row.range_start), end: Number(row.range_end) }, slot))
  }
  return plans
})

/**
 * The next number of `name`, taken in the caller's transaction (a parcel that does not commit gives it back). Past
 * the reservation it first reserves the next few numbers outside the database, durably, then in it.
 */
export const takeNumber = Effect.fn("NumberRanges.take")(function* (name: string, describe: string) {
  const sql = yield* Sql
  const reservations = yield* NumberReservations
  const rows = yield* sql
    .query<RangeRow>("SELECT * FROM number_ranges WHERE name = ?", [name])
    .pipe(Effect.mapError(storeFailure(name)))
  const row = rows[0]
  if (row === undefined) {
    return yield* new NumberRangeError({
      name,
      reason: "no-range",
      message: `This station has no ${describe} numbers: ask the office to assign a range`
    })
  }
  const next = Number(row.next)
  const end = Number(row.block_end)
  if (next >= end) {
    return yield* new NumberRangeError({
      name,
      reason: "exhausted",
      message: `This station used up its ${describe} numbers (${row.block_start}-${end - 1}): ask the office for a new range`
    })
  }
  let reservedTo = Number(row.reserved_to)
  if (next >= reservedTo) {
    reservedTo = Math.min(end, next + RESERVE_AHEAD)
    yield* reservations.reserve(name, reservedTo).pipe(Effect.mapError(storeFailure(name)))
  }
  yield* sql
    .execute("UPDATE number_ranges SET next = ?, reserved_to = ? WHERE name = ?", [next + 1, reservedTo, name])
    .pipe(Effect.mapError(storeFailure(name)))
  return next
})

/** How much of each block is left, for `packbench doctor`. */
export interface RangeLeft {
  readonly name: string
  readonly blockStart: number
  readonly blockEnd: number
  readonly next: number
  readonly left: number
  readonly slot: number
  readonly slots: number
}

/** A range runs low with a tenth of its block left, or 500 numbers, whichever is fewer. */
export const isLow = (range: RangeLeft): boolean =>
  range.left <= Math.min(500, Math.ceil((range.blockEnd - range.blockStart) / 10))
