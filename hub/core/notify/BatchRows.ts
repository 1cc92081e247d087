/** Rows a batch of station events writes to one table, sent as multi-row statements that keep sequential semantics. */
import type { SqlValue } from "../../../core/store/Sql.ts"

/**
 * One statement form of a table: `INSERT INTO t (columns) VALUES` + rows + `tail` (its ON CONFLICT clause, and
 * RETURNING if any). Rows of one form share its column list.
 */
export interface RowShape {
  readonly head: string
  readonly columns: number
  readonly tail: string
}

interface Row {
  readonly shape: RowShape
  readonly values: ReadonlyArray<SqlValue>
}

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
  private keys = new Set<string>()

  add(key: string, shape: RowShape, values: ReadonlyArray<SqlValue>): void {
    if (this.keys.has(key)) {
      this.runs.push([])
      this.keys = new Set()
    }
    this.keys.add(key)
    this.runs[this.runs.length - 1]!.push({ shape, values })
  }

  get size(): number {
    return this.runs.reduce((sum, run) => sum + run.length, 0)
  }

  /** The statements, in order: each run's rows by form, in chunks of a power of two. */
  statements(): ReadonlyArray<BatchStatement> {
    const out: Array<BatchStatement> = []
    for (const run of this.runs) {
      const byShape = new Map<RowShape, Array<Row>>()
      for (const row of run) {
        const rows = byShape.get(row.shape)
        if (rows === undefined) byShape.set(row.shape, [row])
        else rows.push(row)
      }
      for (const [shape, rows] of byShape) out.push(...statementsOf(shape, rows))
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

const statementsOf = (shape: RowShape, rows: ReadonlyArray<Row>): ReadonlyArray<BatchStatement> => {
  const out: Array<BatchStatement> = []
  let at = 0
  while (at < rows.length) {
    let size = largestChunk
    while (size > rows.length - at) size /= 2
    const params: Array<SqlValue> = []
    for (let index = at; index < at + size; index++) for (const value of rows[index]!.values) params.push(value)
    out.push({ text: rowsStatement(shape, size), params })
    at += size
  }
  return out
}
