import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { migrate } from "../../core/store/Migrations.ts"
import { Sql } from "../../core/store/Sql.ts"
import { StationClock } from "../../core/time/Clock.ts"
import { layerSqlite, openSqlite } from "./SqliteSql.ts"

const tempDb = () => join(mkdtempSync(join(tmpdir(), "pb-sql-")), "test.db")
const run = <A, E>(filename: string, effect: Effect.Effect<A, E, Sql>) =>
  Effect.runPromiseExit(Effect.provide(effect, layerSqlite({ filename })))

const setup = Effect.gen(function* () {
  const sql = yield* Sql
  yield* sql.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
  return sql
})

describe("SqliteSql", () => {
  it("opens files in WAL mode with synchronous=FULL", () => {
    const db = openSqlite({ filename: tempDb() })
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal")
    expect(db.pragma("synchronous", { simple: true })).toBe(2)
    db.close()
  })

  it("commits a transaction as a whole and rolls it back as a whole", async () => {
    const file = tempDb()
    const failed = await run(
      file,
      Effect.gen(function* () {
        const sql = yield* setup
        yield* sql.transaction(
          Effect.gen(function* () {
            yield* sql.execute("INSERT INTO t (v) VALUES (?)", ["first"])
            return yield* Effect.fail("stop" as const)
          })
        )
      })
    )
    expect(Exit.isFailure(failed)).toBe(true)
    const rows = await run(
      file,
      Effect.gen(function* () {
        const sql = yield* setup
        yield* sql.transaction(sql.execute("INSERT INTO t (v) VALUES (?)", ["second"]))
        return yield* sql.query<{ v: string }>("SELECT v FROM t")
      })
    )
    expect(rows).toEqual(Exit.succeed([{ v: "second" }]))
  })

  it("commits a transaction that need not be durable without syncing the log, that one only, and keeps it", async () => {
    const file = tempDb()
    const synchronous = (sql: Sql["Service"]) =>
      Effect.map(sql.query<{ synchronous: number }>("PRAGMA synchronous"), (rows) => rows[0]?.synchronous)
    const seen = await run(
      file,
      Effect.gen(function* () {
        const sql = yield* setup
        const lazy = yield* sql.transaction(
          Effect.flatMap(synchronous(sql), (level) =>
            Effect.as(sql.execute("INSERT INTO t (v) VALUES (?)", ["claim"]), level)
          ),
          { durable: false }
        )
        const afterLazy = yield* synchronous(sql)
        const durable = yield* sql.transaction(synchronous(sql))
        const failed = yield* Effect.exit(
          sql.transaction(Effect.andThen(synchronous(sql), Effect.fail("stop" as const)), { durable: false })
        )
        return { lazy, afterLazy, durable, failed: Exit.isFailure(failed), afterFailed: yield* synchronous(sql) }
      })
    )
    // 1 is NORMAL (no sync at commit in WAL mode), 2 FULL.
    expect(seen).toEqual(Exit.succeed({ lazy: 1, afterLazy: 2, durable: 2, failed: true, afterFailed: 2 }))
    const rows = await run(
      file,
      Effect.flatMap(setup, (sql) => sql.query<{ v: string }>("SELECT v FROM t"))
    )
    expect(rows).toEqual(Exit.succeed([{ v: "claim" }]))
  })

  it("keeps statements of other fibers out of an open transaction", async () => {
    const result = await run(
      tempDb(),
      Effect.gen(function* () {
        const sql = yield* setup
        const seen: Array<string> = []
        const slowTransaction = sql.transaction(
          Effect.gen(function* () {
            yield* sql.execute("INSERT INTO t (v) VALUES ('tx')")
            yield* Effect.sleep("20 millis")
            seen.push("tx-done")
            return yield* Effect.fail("abort" as const)
          })
        )
        const outsider = Effect.gen(function* () {
          yield* Effect.sleep("5 millis")
          const rows = yield* sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM t")
          seen.push(`outsider-saw-${rows[0]?.n}`)
        })
        yield* Effect.all([Effect.exit(slowTransaction), outsider], { concurrency: 2 })
        return seen
      })
    )
    // The outsider ran after the rollback, so it never saw the uncommitted row.
    expect(result).toEqual(Exit.succeed(["tx-done", "outsider-saw-0"]))
  })

  it("reports a read-only database as ReadOnly, not as a crash", async () => {
    const file = tempDb()
    await run(file, setup)
    const exit = await Effect.runPromiseExit(
      Effect.provide(
        Effect.gen(function* () {
          const sql = yield* Sql
          yield* sql.execute("INSERT INTO t (v) VALUES ('x')")
        }),
        layerSqlite({ filename: file, readonly: true })
      )
    )
    expect(exit._tag).toBe("Failure")
    expect(JSON.stringify(exit)).toContain("ReadOnly")
  })

  it("applies numbered migrations once, in order", async () => {
    const file = tempDb()
    const migrations = [
      { id: 1, name: "create", statements: ["CREATE TABLE a (id INTEGER PRIMARY KEY)"] },
      { id: 2, name: "column", statements: ["ALTER TABLE a ADD COLUMN name TEXT"] }
    ]
    const layer = Layer.merge(layerSqlite({ filename: file }), StationClock.manual(1_700_000_000_000).layer)
    const first = await Effect.runPromise(Effect.provide(migrate(migrations.slice(0, 1)), layer))
    const second = await Effect.runPromise(Effect.provide(migrate(migrations), layer))
    const third = await Effect.runPromise(Effect.provide(migrate(migrations), layer))
    expect([first, second, third]).toEqual([[1], [2], []])
    const columns = openSqlite({ filename: file }).pragma("table_info(a)") as Array<{ name: string }>
    expect(columns.map((column) => column.name)).toEqual(["id", "name"])
  })
})
