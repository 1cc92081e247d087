/** Rows a batch of station events writes to one table, sent as multi-row statements that keep sequential semantics. */
import type { SqlValue } from "../../../core/store/Sql.ts"

/**
 * One statement form of a table: `INSERT INTO t (columns) VALUES` + rows + `tail` (its ON CONFLICT clause, and
 * RETURNING if any). Rows of one form share its column list; the tail's own `?`, if any, take the parameters given to
 * `TableRows.statements` (or, for one row, follow the row's values).
 */
export interface RowShape {
  readonly head: string
  readonly columns: number
  readonly tail: string
}

/** A row of a table's batch: the statement form it goes in and its values, in the form's column order. */
export interface Row {
  readonly shape: RowShape
  readonly values: ReadonlyArray<SqlValue>
}

/**
 * Folds a second write of a row into the first, when one statement can do what the two did in turn (two upserts of
 * one row whose later values win); undefined when it cannot.
 */
export type MergeRows = (earlier: Row) => Row | undefined

/** A multi-row statement, ready for the SQL port. */
export interface BatchStatement {
  readonly text: string
  readonly params: ReadonlyArray<SqlValue>
}

/** Rows per statement at most, in powers of two so a table has a handful of statement texts, each prepared once. */
const largestChunk = 256

/**
 * The rows a batch writes to one table, in the order its events wrote them. Rows whose keys differ commute (each
 * statement touches only its own row), so they can go in one statement, grouped by form; a row whose key came
 * before starts a new run, sent after the earlier one: an upsert touches each row once per statement (PostgreSQL
 * refuses a second touch), and the second write of a row must see the first, as it did one event at a time.
 */
export class TableRows {
  private readonly runs: Array<Array<Row>> = [[]]
  /** The keys of the current run, each with its row's place in the run. */
  private keys = new Map<string, number>()

  /**
   * A row, after those added before. A key already in the current run starts a new run, unless `merge` folds the
   * second write into the first: then the one row stands in the first one's place (rows of distinct keys commute).
   */
  add(key: string, shape: RowShape, values: ReadonlyArray<SqlValue>, merge?: MergeRows): void {
    const run = this.runs[this.runs.length - 1]!
    const at = this.keys.get(key)
    if (at !== undefined) {
      const merged = merge?.(run[at]!)
      if (merged !== undefined) {
        run[at] = merged
        return
      }
      this.runs.push([])
      this.keys = new Map()
    }
    const current = this.runs[this.runs.length - 1]!
    this.keys.set(key, current.length)
    current.push({ shape, values })
  }

  get size(): number {
    return this.runs.reduce((sum, run) => sum + run.length, 0)
  }

  /**
   * The statements, in order: each run's rows by form, in chunks of a power of two. `tailParams` follow the rows'
   * values in every statement, for the `?` of the forms' tails (a bound read from the clock, not from a row).
   */
  statements(tailParams: ReadonlyArray<SqlValue> = []): ReadonlyArray<BatchStatement> {
    const out: Array<BatchStatement> = []
    for (const run of this.runs) {
      const byShape = new Map<RowShape, Array<Row>>()
      for (const row of run) {
        const rows = byShape.get(row.shape)
        if (rows === undefined) byShape.set(row.shape, [row])
        else rows.push(row)
      }
      for (const [shape, rows] of byShape) out.push(...statementsOf(shape, rows, tailParams))
    }
    return out
  }
}

/** Statement texts by form and row count: built once, as the database prepares each once. */
const texts = new WeakMap<RowShape, Map<number, string>>()
/** The statement of `shape` with `size` rows of placeholders (one row: the statement of an event applied alone). */
export const rowsStatement = (shape: RowShape, size: number): string => {
  let bySize = texts.get(shape)
  if (bySize === undefined) {
    bySize = new Map()
    texts.set(shape, bySize)
  }
  let text = bySize.get(size)
  if (text === undefined) {
    const placeholders = `(${Array.from({ length: shape.columns }, () => "?").join(", ")})`
    text = `${shape.head} ${Array.from({ length: size }, () => placeholders).join(", ")} ${shape.tail}`
    bySize.set(size, text)
  }
  return text
}

const statementsOf = (
  shape: RowShape,
  rows: ReadonlyArray<Row>,
  tailParams: ReadonlyArray<SqlValue>
): ReadonlyArray<BatchStatement> => {
  const out: Array<BatchStatement> = []
  let at = 0
  while (at < rows.length) {
    let size = largestChunk
    while (size > rows.length - at) size /= 2
    const params: Array<SqlValue> = []
    for (let index = at; index < at + size; index++) for (const value of rows[index]!.values) params.push(value)
    params.push(...tailParams)
    out.push({ text: rowsStatement(shape, size), params })
    at += size
  }
  return out
}
