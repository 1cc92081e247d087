import { Deferred, Effect, Exit, Layer, Schedule } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { migrate } from "../../../core/store/Migrations.ts"
import { Sql } from "../../../core/store/Sql.ts"
import { StationClock } from "../../../core/time/Clock.ts"
import { freePort } from "../../../drivers/net/LoopbackPort.ts"
import { type Postgres, startPostgres } from "../../../fixtures/postgres/PostgresProcess.ts"
import { beginStatement, layerPostgres, partitionLockId, toNumberedPlaceholders } from "./PgSql.ts"

let server: Postgres
beforeAll(async () => {
  server = await startPostgres()
})
afterAll(async () => {
  await server?.stop()
})

const run = async <A, E>(effect: Effect.Effect<A, E, Sql>, url?: string) =>
  Effect.runPromiseExit(
    Effect.provide(effect, layerPostgres({ url: url ?? (await server.createDatabase("pgsql")), maxConnections: 4 }))
  )

const setup = Effect.gen(function* () {
  const sql = yield* Sql
  yield* sql.execute("CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT NOT NULL, n BIGINT)")
  return sql
})

describe("PgSql", () => {
  it("numbers ? placeholders outside literals, quoted names and comments", () => {
    expect(toNumberedPlaceholders(`SELECT '?', "a?b", x FROM t -- why?\nWHERE a = ? AND b = 'it''s ?' AND c = ?`)).toBe(
      `SELECT '?', "a?b", x FROM t -- why?\nWHERE a = $1 AND b = 'it''s ?' AND c = $2`
    )
  })

  it("binds ? parameters and returns integers and counts as numbers, as SQLite does", async () => {
    const exit = await run(
      Effect.gen(function* () {
        const sql = yield* setup
        const inserted = yield* sql.execute("INSERT INTO t (id, v, n) VALUES (?, ?, ?), (?, ?, ?)", [
          "a",
          "x",
          1_763_700_000_000,
          "b",
          "y",
          null
        ])
        const rows = yield* sql.query("SELECT id, v, n FROM t WHERE id = ?", ["a"])
        const counted = yield* sql.query("SELECT COUNT(*) AS c, SUM(n) AS s, MAX(n) AS m FROM t")
        return { changes: inserted.changes, rows, counted }
      })
    )
    expect(exit).toEqual(
      Exit.succeed({
        changes: 2,
        rows: [{ id: "a", v: "x", n: 1_763_700_000_000 }],
        counted: [{ c: 2, s: 1_763_700_000_000, m: 1_763_700_000_000 }]
      })
    )
  })

  it("commits a transaction as a whole and rolls it back as a whole", async () => {
    const url = await server.createDatabase("pgsql")
    const failed = await run(
      Effect.gen(function* () {
        const sql = yield* setup
        yield* sql.transaction(
          Effect.gen(function* () {
            yield* sql.execute("INSERT INTO t (id, v) VALUES (?, ?)", ["1", "first"])
            return yield* Effect.fail("stop" as const)
          })
        )
      }),
      url
    )
    expect(Exit.isFailure(failed)).toBe(true)
    const rows = await run(
      Effect.gen(function* () {
        const sql = yield* Sql
        yield* sql.transaction(sql.transaction(sql.execute("INSERT INTO t (id, v) VALUES (?, ?)", ["2", "second"])))
        return yield* sql.query<{ v: string }>("SELECT v FROM t")
      }),
      url
    )
    expect(rows).toEqual(Exit.succeed([{ v: "second" }]))
  })

  it("runs statements of the transaction's own fibers on its connection and keeps others out", async () => {
    const exit = await run(
      Effect.gen(function* () {
        const sql = yield* setup
        const seen: Array<string> = []
        // The outsider queries while the transaction is open: it starts once the transaction has written, and the
        // transaction ends only once the outsider has read (a timeout turns a blocked outsider into a failure).
        const written = yield* Deferred.make<void>()
        const outsiderRead = yield* Deferred.make<void>()
        const slowTransaction = sql.transaction(
          Effect.gen(function* () {
            // Two fibers forked inside the transaction: both see its uncommitted rows.
            yield* Effect.all(
              [
                sql.execute("INSERT INTO t (id, v) VALUES ('tx-1', 'a')"),
                sql.execute("INSERT INTO t (id, v) VALUES ('tx-2', 'b')")
              ],
              { concurrency: 2 }
            )
            const inside = yield* sql.query<{ c: number }>("SELECT COUNT(*) AS c FROM t")
            seen.push(`inside-saw-${inside[0]?.c}`)
            yield* Deferred.succeed(written, undefined)
            yield* Deferred.await(outsiderRead).pipe(Effect.timeout("20 seconds"), Effect.orDie)
            seen.push("tx-done")
            return yield* Effect.fail("abort" as const)
          })
        )
        const outsider = Effect.gen(function* () {
          yield* Deferred.await(written)
          const rows = yield* sql.query<{ c: number }>("SELECT COUNT(*) AS c FROM t")
          seen.push(`outsider-saw-${rows[0]?.c}`)
          yield* Deferred.succeed(outsiderRead, undefined)
        })
        const [transaction] = yield* Effect.all([Effect.exit(slowTransaction), outsider], { concurrency: 2 })
        const after = yield* sql.query<{ c: number }>("SELECT COUNT(*) AS c FROM t")
        return { seen, failed: Exit.isFailure(transaction), after: after[0]?.c }
      })
    )
    expect(exit).toEqual(Exit.succeed({ seen: ["inside-saw-2", "outsider-saw-0", "tx-done"], failed: true, after: 0 }))
  })

  it("serialises transactions, so read-then-write stays correct as under SQLite", async () => {
    const exit = await run(
      Effect.gen(function* () {
        const sql = yield* setup
        yield* sql.execute("INSERT INTO t (id, v, n) VALUES ('counter', '', 0)")
        const increment = sql.transaction(
          Effect.gen(function* () {
            const rows = yield* sql.query<{ n: number }>("SELECT n FROM t WHERE id = 'counter'")
            yield* Effect.sleep("2 millis")
            yield* sql.execute("UPDATE t SET n = ? WHERE id = 'counter'", [Number(rows[0]?.n) + 1])
          })
        )
        yield* Effect.all(
          Array.from({ length: 20 }, () => increment),
          { concurrency: 4 }
        )
        return (yield* sql.query<{ n: number }>("SELECT n FROM t WHERE id = 'counter'"))[0]?.n
      })
    )
    expect(exit).toEqual(Exit.succeed(20))
  })

  it("runs transactions of different partitions at once, of the same partition or none one at a time", async () => {
    const exit = await run(
      Effect.gen(function* () {
        const sql = yield* setup
        const seen: Array<string> = []
        // An advisory lock someone waits for: what a blocked transaction looks like from outside.
        const someoneWaits = sql
          .query<{ n: number }>("SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
          .pipe(
            Effect.flatMap((rows) => (Number(rows[0]?.n) > 0 ? Effect.void : Effect.fail("none waits" as const))),
            Effect.retry({ schedule: Schedule.spaced("10 millis") }),
            Effect.timeout("20 seconds"),
            Effect.orDie
          )
        // Station a holds its partition until station b has committed: b must not wait for a.
        const bDone = yield* Deferred.make<void>()
        const holdA = sql.transaction(
          Effect.gen(function* () {
            yield* sql.execute("INSERT INTO t (id, v) VALUES ('a-1', 'a')")
            yield* Deferred.await(bDone).pipe(Effect.timeout("20 seconds"), Effect.orDie)
            seen.push("a-after-b")
          }),
          { partition: ["station:HAM1/A"] }
        )
        const runB = Effect.gen(function* () {
          yield* sql.transaction(sql.execute("INSERT INTO t (id, v) VALUES ('b-1', 'b')"), {
            partition: ["station:HAM1/B"]
          })
          seen.push("b")
          yield* Deferred.succeed(bDone, undefined)
        })
        yield* Effect.all([holdA, runB], { concurrency: 2 })
        // The same partition, and then no partition, must wait for the holder: it ends only once one waits.
        for (const second of [{ partition: ["station:HAM1/A"] }, undefined]) {
          // The waiter starts once the holder holds its locks (taken at BEGIN), however long that took.
          const holding = yield* Deferred.make<void>()
          const holder = sql.transaction(
            Effect.gen(function* () {
              yield* sql.execute("UPDATE t SET n = COALESCE(n, 0) + 1 WHERE id = 'a-1'")
              yield* Deferred.succeed(holding, undefined)
              yield* someoneWaits
              seen.push(`holder-${second === undefined ? "none" : "same"}`)
            }),
            { partition: ["station:HAM1/A", "station:HAM1/C"] }
          )
          const waiter = Effect.gen(function* () {
            yield* Deferred.await(holding).pipe(Effect.timeout("20 seconds"), Effect.orDie)
            yield* sql.transaction(sql.execute("UPDATE t SET n = n * 10 WHERE id = 'a-1'"), second)
            seen.push(`waiter-${second === undefined ? "none" : "same"}`)
          })
          yield* Effect.all([holder, waiter], { concurrency: 2 })
        }
        const n = yield* sql.query<{ n: number }>("SELECT n FROM t WHERE id = 'a-1'")
        return { seen, n: n[0]?.n }
      })
    )
    expect(exit).toEqual(
      Exit.succeed({
        seen: ["b", "a-after-b", "holder-same", "waiter-same", "holder-none", "waiter-none"],
        n: 110
      })
    )
  })

  it("opens a partitioned transaction with its locks in ascending order, so crossing batches never deadlock", () => {
    const statement = beginStatement({ partition: ["station:S/2", "station:S/1", "station:S/2"] })
    const ids = [partitionLockId("station:S/1"), partitionLockId("station:S/2")].sort((a, b) => a - b)
    expect(statement).toContain("pg_advisory_xact_lock_shared(")
    expect(statement).toContain(`ARRAY[${ids.join(",")}]`)
    expect(beginStatement(undefined)).not.toContain("shared")
    expect(beginStatement({ partition: [] })).not.toContain("ARRAY")
  })

  it("commits a transaction that need not be durable without waiting for the disk, that one only", async () => {
    // A server with PostgreSQL's own durability (the shared one commits without waiting, to be fast).
    const durableServer = await startPostgres({ durable: true })
    const exit = await run(
      Effect.gen(function* () {
        const sql = yield* setup
        const setting = sql.query<{ synchronous_commit: string }>("SHOW synchronous_commit")
        const lazy = yield* sql.transaction(
          Effect.andThen(sql.execute("INSERT INTO t (id, v) VALUES ('a', 'claimed')"), setting),
          { partition: ["sender"], durable: false }
        )
        const durable = yield* sql.transaction(setting)
        const rows = yield* sql.query<{ v: string }>("SELECT v FROM t")
        return { lazy, durable, rows, after: yield* setting }
      }),
      await durableServer.createDatabase("pgsql_durable")
    ).finally(() => durableServer.stop())
    expect(exit).toEqual(
      Exit.succeed({
        lazy: [{ synchronous_commit: "off" }],
        durable: [{ synchronous_commit: "on" }],
        rows: [{ v: "claimed" }],
        after: [{ synchronous_commit: "on" }]
      })
    )
  })

  it("maps a unique violation to Constraint and refuses to commit a transaction PostgreSQL aborted", async () => {
    const exit = await run(
      Effect.gen(function* () {
        const sql = yield* setup
        yield* sql.execute("INSERT INTO t (id, v) VALUES ('k', 'v')")
        const duplicate = yield* sql.execute("INSERT INTO t (id, v) VALUES ('k', 'v')").pipe(Effect.flip)
        const swallowed = yield* sql
          .transaction(
            Effect.gen(function* () {
              yield* sql.execute("INSERT INTO t (id, v) VALUES ('m', 'v')")
              yield* Effect.ignore(sql.execute("INSERT INTO t (id, v) VALUES ('k', 'v')"))
            })
          )
          .pipe(Effect.flip)
        const rows = yield* sql.query<{ id: string }>("SELECT id FROM t ORDER BY id")
        return { duplicate: duplicate.reason, swallowed: swallowed.message, rows: rows.map((row) => row.id) }
      })
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    if (Exit.isSuccess(exit)) {
      expect(exit.value.duplicate).toBe("Constraint")
      expect(exit.value.swallowed).toContain("rolled back")
      expect(exit.value.rows).toEqual(["k"])
    }
  })

  it("runs per-dialect migration statements", async () => {
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        const applied = yield* migrate([
          {
            id: 1,
            name: "identity",
            statements: [
              {
                sqlite: "CREATE TABLE q (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)",
                postgres: "CREATE TABLE q (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, v TEXT)"
              }
            ]
          }
        ])
        const sql = yield* Sql
        yield* sql.execute("INSERT INTO q (v) VALUES (?), (?)", ["a", "b"])
        return { applied, rows: yield* sql.query("SELECT id, v FROM q ORDER BY id") }
      }).pipe(
        Effect.provide(
          Layer.merge(
            layerPostgres({ url: await server.createDatabase("migrate") }),
            StationClock.manual(1_700_000_000_000).layer
          )
        )
      )
    )
    expect(exit).toEqual(
      Exit.succeed({
        applied: [1],
        rows: [
          { id: 1, v: "a" },
          { id: 2, v: "b" }
        ]
      })
    )
  })

  it("fails at once with the server's address (not its password) when PostgreSQL is unreachable", async () => {
    const port = await freePort()
    const exit = await Effect.runPromiseExit(
      Effect.provide(
        Effect.void,
        layerPostgres({ url: `postgres://hub:s3cret@127.0.0.1:${port}/hub`, connectTimeoutMs: 2_000 })
      )
    )
    expect(Exit.isFailure(exit)).toBe(true)
    const text = JSON.stringify(exit)
    expect(text).toContain(`cannot use PostgreSQL at 127.0.0.1:${port}/hub`)
    expect(text).toContain("ECONNREFUSED")
    expect(text).toContain('"reason":"Busy"')
    expect(text).not.toContain("s3cret")
  })
})
