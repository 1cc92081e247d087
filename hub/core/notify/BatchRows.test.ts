import { describe, expect, it } from "vitest"
import { type MergeRows, type RowShape, TableRows } from "./BatchRows.ts"

const packed: RowShape = {
  head: "INSERT INTO p (id, a) VALUES",
  columns: 2,
  tail: "ON CONFLICT (id) DO UPDATE SET a = excluded.a"
}
const handed: RowShape = {
  head: "INSERT INTO p (id, b) VALUES",
  columns: 2,
  tail: "ON CONFLICT (id) DO UPDATE SET b = excluded.b"
}

describe("TableRows", () => {
  it("puts rows of distinct keys in one statement per form, and starts a new run where a key comes again", () => {
    const rows = new TableRows()
    rows.add("p1", packed, ["p1", 1])
    rows.add("p2", packed, ["p2", 2])
    rows.add("p3", handed, ["p3", 3])
    rows.add("p1", handed, ["p1", 4])
    expect(rows.size).toBe(4)
    expect(rows.statements()).toEqual([
      { text: `${packed.head} (?, ?), (?, ?) ${packed.tail}`, params: ["p1", 1, "p2", 2] },
      { text: `${handed.head} (?, ?) ${handed.tail}`, params: ["p3", 3] },
      { text: `${handed.head} (?, ?) ${handed.tail}`, params: ["p1", 4] }
    ])
  })

  it("folds a second write of a key into the first where the merge can, in the first one's place", () => {
    const both: RowShape = {
      head: "INSERT INTO p (id, a, b) VALUES",
      columns: 3,
      tail: "ON CONFLICT (id) DO UPDATE SET a = excluded.a, b = excluded.b"
    }
    const merge: MergeRows = (earlier) =>
      earlier.shape === packed ? { shape: both, values: [...earlier.values, 9] } : undefined
    const rows = new TableRows()
    rows.add("p1", packed, ["p1", 1])
    rows.add("p2", packed, ["p2", 2])
    rows.add("p1", handed, ["p1", 9], merge)
    // Not foldable (the earlier row is a handover): a new run, as without a merge.
    rows.add("p1", handed, ["p1", 10], merge)
    expect(rows.statements()).toEqual([
      { text: `${both.head} (?, ?, ?) ${both.tail}`, params: ["p1", 1, 9] },
      { text: `${packed.head} (?, ?) ${packed.tail}`, params: ["p2", 2] },
      { text: `${handed.head} (?, ?) ${handed.tail}`, params: ["p1", 10] }
    ])
  })

  it("puts the tail's own parameters after the rows of every statement", () => {
    const newer: RowShape = {
      head: "INSERT INTO o (id, v) VALUES",
      columns: 2,
      tail: "ON CONFLICT (id) DO UPDATE SET v = excluded.v WHERE excluded.v > o.v OR o.v > ?"
    }
    const rows = new TableRows()
    for (const [key, version] of [
      ["o1", 1],
      ["o2", 1],
      ["o3", 1],
      ["o1", 2]
    ] as const) {
      rows.add(key, newer, [key, version])
    }
    expect(rows.statements([99])).toEqual([
      { text: `${newer.head} (?, ?), (?, ?) ${newer.tail}`, params: ["o1", 1, "o2", 1, 99] },
      { text: `${newer.head} (?, ?) ${newer.tail}`, params: ["o3", 1, 99] },
      { text: `${newer.head} (?, ?) ${newer.tail}`, params: ["o1", 2, 99] }
    ])
  })

  it("sends many rows in chunks of powers of two, in order", () => {
    const rows = new TableRows()
    for (let index = 0; index < 300; index++) rows.add(`k${index}`, packed, [`k${index}`, index])
    const statements = rows.statements()
    expect(statements.map((statement) => statement.params.length / 2)).toEqual([256, 32, 8, 4])
    expect(statements.flatMap((statement) => statement.params.filter((_, at) => at % 2 === 1))).toEqual(
      Array.from({ length: 300 }, (_, index) => index)
    )
  })
})
